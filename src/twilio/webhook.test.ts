import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeHmacSha1 } from "./node-hmac.js";
import { computeSignature } from "./signature.js";
import { type BodyText, MAX_WEBHOOK_BYTES, textOfBody, twilioWebhook, type WebhookVariables } from "./webhook.js";

// The webhook's size limit decides from the headers when it can; these requests prove it answers as hono's
// bodyLimit does, on the Node server the service runs on, for lengths said and unsaid.
const servers: ServerType[] = [];
let ours = "";
let reference = "";

async function start(limit: MiddlewareHandler): Promise<string> {
  const app = new Hono();
  app.use(limit);
  app.all("*", async (c) => c.text(`read ${(await c.req.arrayBuffer()).byteLength}`));
  return serveApp(app);
}

async function serveApp(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<string> {
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

describe("the webhook's signed URL", () => {
  // Worked out once per request URL: each answer must be what PUBLIC_URL + the URL's own pathname and search give.
  const app = new Hono();
  app.use(
    "/sms/*",
    ...(twilioWebhook({
      authToken: "token",
      publicUrl: "https://public.example",
      hmac: nodeHmacSha1,
    }) as MiddlewareHandler[]),
  );
  app.post("/sms/*", (c) => c.text("ok"));
  const params = { MessageSid: `SM${"0".repeat(32)}`, Body: "SIGNUP" };

  async function post(requestUrl: string, signedUrl: string) {
    const signature = await computeSignature("token", signedUrl, params, nodeHmacSha1);
    const response = await app.request(requestUrl, {
      method: "POST",
      headers: { "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params).toString(),
    });
    return response.status;
  }

  it.each([
    "http://127.0.0.1:3000/sms/a",
    "http://127.0.0.1:3000/sms/a?",
    "http://127.0.0.1:3000/sms/a?x=1&y=%20",
    "http://localhost/sms/b?x=é",
    "http://localhost/sms/c/../d",
    "http://localhost/sms/%7Ee",
  ])("is PUBLIC_URL + pathname + search of %s, the first time and after", async (requestUrl) => {
    const url = new URL(requestUrl);
    const signed = `https://public.example${url.pathname}${url.search}`;
    for (let i = 0; i < 3; i++) {
      expect(await post(requestUrl, signed)).toBe(200);
      expect(await post(requestUrl, `${signed}x`)).toBe(403);
      expect(await post(requestUrl, `https://public.example${requestUrl.slice(requestUrl.indexOf("/sms"))}#`)).toBe(
        403,
      );
    }
  });
});

describe("the webhook's body, read as text (Node) or as bytes decoded (the default)", () => {
  // The same form either way, whatever the bytes: a BOM, multibyte characters, bytes that are not UTF-8.
  async function formsRead(bodyText: BodyText | undefined, bodies: Buffer[]): Promise<string[]> {
    const app = new Hono<{ Variables: WebhookVariables }>();
    app.use(
      ...twilioWebhook({ authToken: "token", publicUrl: "https://public.example", hmac: nodeHmacSha1, bodyText }),
    );
    app.post("/sms", (c) => c.json(c.get("twilioParams")));
    const base = await serveApp(app);
    const answers: string[] = [];
    for (const body of bodies) {
      const params = Object.fromEntries(new URLSearchParams(new TextDecoder().decode(body)));
      const signature = await computeSignature("token", "https://public.example/sms", params, nodeHmacSha1);
      const response = await fetch(`${base}/sms`, {
        method: "POST",
        headers: { "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded" },
        body: new Uint8Array(body),
      });
      answers.push(`${response.status} ${await response.text()}`);
    }
    return answers;
  }

  it("is the same form", async () => {
    const bodies = [
      Buffer.from("Body=SIGNUP&From=%2B16505550123"),
      Buffer.from("\uFEFFBody=SIGNUP&From=%2B16505550123"),
      Buffer.from("Body=Espa\u00f1ol+\u{1F600}&From=%2B16505550123"),
      Buffer.concat([Buffer.from("Body="), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from("&From=x")]),
      Buffer.from(""),
    ];
    const ours = await formsRead(textOfBody, bodies);
    expect(ours).toEqual(await formsRead(undefined, bodies));
    expect(ours[0]).toBe('200 {"Body":"SIGNUP","From":"+16505550123"}');
  });
});
