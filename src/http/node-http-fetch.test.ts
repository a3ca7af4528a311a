import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../test/support/free-port.js";
import type { HttpFetch, HttpFetchResponse } from "./http-fetch.js";
import { runtimeFetch } from "./http-fetch.js";
import { nodeHttpFetch } from "./node-http-fetch.js";
import { classifyFetchError } from "./retry.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A server whose answer each test picks by path; it records what it was sent and the connections it accepted. */
let server: Server;
let base: string;
const seen: Seen[] = [];
let connections = 0;

const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
  "/created": (_request, response) => {
    response.setHeader("Set-Cookie", ["a=1", "b=2"]);
    response.writeHead(201, { "Content-Type": "application/json", "X-Twilio-Request": "RQ1" });
    // A character of three bytes, split between two chunks: the text is decoded once, whole.
    const bytes = Buffer.from('{"sid":"SM1","body":"€ 123456"}');
    const split = bytes.indexOf(0xe2) + 1;
    response.write(bytes.subarray(0, split));
    setTimeout(() => response.end(bytes.subarray(split)), 5);
  },
  "/empty": (_request, response) => {
    response.writeHead(204);
    response.end();
  },
  "/too-many": (_request, response) => {
    response.writeHead(429, { "Retry-After": "2" });
    response.end('{"code":20429}');
  },
  "/silent": () => {},
  "/hang-up": (request) => request.socket.destroy(),
};

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      routes[new URL(request.url ?? "/", "http://x").pathname]?.(request, response);
    });
  });
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (fetch: HttpFetch, path: string, signal: AbortSignal = AbortSignal.timeout(2_000)) =>
  fetch(new URL(`${base}${path}?PageSize=20`), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: "Basic QUM6dG9rZW4=" },
    body: "To=%2B14155550100&Body=Your+code+is+123456",
    signal,
  });

async function answer(response: HttpFetchResponse) {
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

async function failure(call: Promise<unknown>) {
  const error = await call.then(
    () => expect.unreachable("the call should have failed"),
    (thrown: unknown) => thrown,
  );
  return { name: (error as Error).name, kind: classifyFetchError(error) };
}

describe("nodeHttpFetch answers and fails as the runtime's fetch does", () => {
  it.each([
    ["/created", 201],
    ["/empty", 204],
    ["/too-many", 429],
  ])("%s: the same status, headers and body, from the same request", async (path, status) => {
    seen.length = 0;
    const ours = await answer(await post(nodeHttpFetch, path));
    const theirs = await answer(await post(runtimeFetch, path));
    expect(ours.status).toBe(status);
    const { date: _ourDate, ...ourHeaders } = ours.headers;
    const { date: _theirDate, ...theirHeaders } = theirs.headers;
    expect({ ...ours, headers: ourHeaders }).toEqual({ ...theirs, headers: theirHeaders });
    const [sentByUs, sentByFetch] = seen;
    expect(sentByUs).toMatchObject({
      method: "POST",
      url: `${path}?PageSize=20`,
      body: "To=%2B14155550100&Body=Your+code+is+123456",
    });
    expect(sentByUs?.body).toBe(sentByFetch?.body);
    for (const name of ["content-type", "authorization", "content-length"]) {
      expect(sentByUs?.headers[name]).toBe(sentByFetch?.headers[name]);
    }
  });

  it("decodes a body whose characters are split between chunks", async () => {
    expect(JSON.parse((await answer(await post(nodeHttpFetch, "/created"))).body)).toEqual({
      sid: "SM1",
      body: "€ 123456",
    });
  });

  it("a call that gets no answer in time: a TimeoutError, classified a timeout", async () => {
    const ours = await failure(post(nodeHttpFetch, "/silent", AbortSignal.timeout(100)));
    expect(ours).toEqual({ name: "TimeoutError", kind: "timeout" });
    expect(await failure(post(runtimeFetch, "/silent", AbortSignal.timeout(100)))).toEqual(ours);
  });

  it("a signal aborted before the call: rejected with its reason, nothing sent", async () => {
    seen.length = 0;
    const controller = new AbortController();
    controller.abort();
    const ours = await failure(post(nodeHttpFetch, "/created", controller.signal));
    expect(ours).toEqual(await failure(post(runtimeFetch, "/created", controller.signal)));
    expect(ours.kind).toBe("timeout");
    expect(seen).toEqual([]);
  });

  it("a refused connection: classified not sent (safe to repeat)", async () => {
    const closed = `http://127.0.0.1:${await freePort()}/`;
    const call = (fetch: HttpFetch) => fetch(new URL(closed), { method: "POST", headers: {}, body: "x" });
    const ours = await failure(call(nodeHttpFetch));
    expect(ours).toEqual({ name: "TypeError", kind: "not-sent" });
    expect(await failure(call(runtimeFetch))).toEqual(ours);
  });

  it("a connection dropped after the request went out: classified dropped (the server may have acted)", async () => {
    const ours = await failure(post(nodeHttpFetch, "/hang-up"));
    expect(ours).toEqual({ name: "TypeError", kind: "dropped" });
    expect(await failure(post(runtimeFetch, "/hang-up"))).toEqual(ours);
  });

  it("keeps its connection alive between calls", async () => {
    await post(nodeHttpFetch, "/empty");
    const before = connections;
    for (let i = 0; i < 5; i += 1) await post(nodeHttpFetch, "/empty");
    expect(connections).toBe(before);
  });

  it("refuses a URL that is not http or https", async () => {
    await expect(nodeHttpFetch(new URL("ftp://127.0.0.1/"), { method: "GET", headers: {} })).rejects.toThrow(
      /not http or https/,
    );
  });
});
