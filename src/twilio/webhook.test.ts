import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_WEBHOOK_BYTES, twilioWebhook } from "./webhook.js";

// The webhook's size limit decides from the headers when it can; these requests prove it answers as hono's
// bodyLimit does, on the Node server the service runs on, for lengths said and unsaid.
const servers: ServerType[] = [];
let ours = "";
let reference = "";

async function start(limit: MiddlewareHandler): Promise<string> {
  const app = new Hono();
  app.use(limit);
  app.all("*", async (c) => c.text(`read ${(await c.req.arrayBuffer()).byteLength}`));
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  const [limit] = twilioWebhook({ authToken: "token", publicUrl: "http://localhost" });
  ours = await start(limit as MiddlewareHandler);
  reference = await start(
    bodyLimit({
      maxSize: MAX_WEBHOOK_BYTES,
      onError: (c) => c.text("Payload too large: a Twilio webhook is at most 64 kB.", 413),
    }),
  );
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** One request, its body in one piece with a Content-Length, or chunked in pieces without one. */
function send(base: string, method: string, bytes: number, chunked: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = chunked ? { "Transfer-Encoding": "chunked" } : {};
    if (!chunked && method !== "GET") headers["Content-Length"] = String(bytes);
    const req = httpRequest(`${base}/sms`, { method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve(`${res.statusCode} ${text}`));
    });
    req.on("error", reject);
    const body = Buffer.alloc(bytes, "a");
    if (chunked) for (let at = 0; at < bytes; at += 10_000) req.write(body.subarray(at, at + 10_000));
    else if (bytes > 0) req.write(body);
    req.end();
  });
}

describe("the webhook's size limit", () => {
  const cases = [
    ["POST", 0, false],
    ["POST", 300, false],
    ["POST", MAX_WEBHOOK_BYTES, false],
    ["POST", MAX_WEBHOOK_BYTES + 1, false],
    ["POST", 70_000, false],
    ["POST", 300, true],
    ["POST", MAX_WEBHOOK_BYTES, true],
    ["POST", 70_000, true],
    ["PUT", 70_000, false],
    ["GET", 0, false],
  ] as const;

  it.each(cases)("answers %s of %i bytes (chunked: %s) as hono's bodyLimit does", async (method, bytes, chunked) => {
    const expected = await send(reference, method, bytes, chunked);
    expect(await send(ours, method, bytes, chunked)).toBe(expected);
    expect(expected).toMatch(bytes > MAX_WEBHOOK_BYTES ? /^413 / : /^200 read /);
  });
});
