// Clients that hold connections: a body trickled byte by byte, sockets that say nothing, more sockets than allowed.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONNECTION_LIMITS } from "../../src/http/node-server.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { productionEnv, RunningService } from "../support/service.js";

let twilio: FakeTwilio;
beforeAll(async () => {
  twilio = await FakeTwilio.start();
});
afterAll(() => twilio.close());

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Resolves with how long the server kept the socket, and what it wrote before closing it. */
const closedBy = (socket: Socket, since: number) =>
  new Promise<{ afterMs: number; received: string }>((resolve) => {
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve({ afterMs: performance.now() - since, received }));
  });

// Nothing here touches the database: the PostgreSQL pass of the end-to-end tests skips it.
describe.skipIf(process.env.TEST_DATABASE === "postgres")("slow clients", () => {
  it("a body trickled one byte at a time is cut off at the request time limit, and others are served meanwhile", async () => {
    const app = await RunningService.start({ env: productionEnv(twilio.url) });
    try {
      const started = performance.now();
      const sockets = await Promise.all(Array.from({ length: 50 }, () => open(app.url)));
      const closes = sockets.map((socket) => closedBy(socket, started));
      for (const socket of sockets)
        socket.write(
          "POST /sms HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n",
        );
      const trickle = setInterval(() => {
        for (const socket of sockets) if (!socket.destroyed) socket.write("a");
      }, 500);
      try {
        expect((await app.sms("+14155558001", "SIGNUP")).status).toBe(200);
        const results = await Promise.all(closes);
        for (const { afterMs, received } of results) {
          expect(afterMs).toBeGreaterThan(DEFAULT_CONNECTION_LIMITS.requestTimeoutMs - 1_000);
          expect(afterMs).toBeLessThan(DEFAULT_CONNECTION_LIMITS.requestTimeoutMs + 3_000);
          expect(received).toMatch(/^HTTP\/1\.1 408/);
        }
      } finally {
        clearInterval(trickle);
      }
    } finally {
      await app.stop();
    }
  }, 30_000);

  it("a connection that never sends its headers is closed at the header time limit", async () => {
    const app = await RunningService.start({ env: productionEnv(twilio.url) });
    try {
      const started = performance.now();
      const socket = await open(app.url);
      socket.write("POST /sms HTTP/1.1\r\nHost: x\r\n");
      const { afterMs } = await closedBy(socket, started);
      expect(afterMs).toBeLessThan(DEFAULT_CONNECTION_LIMITS.headersTimeoutMs + 2_000);
    } finally {
      await app.stop();
    }
  }, 30_000);

  it("connections beyond the cap are closed at once; the service answers again when they go", async () => {
    const app = await RunningService.start({ env: productionEnv(twilio.url), limits: { maxConnections: 20 } });
    try {
      const held = await Promise.all(Array.from({ length: 20 }, () => open(app.url)));
      const extra = await open(app.url);
      const { received } = await closedBy(extra, performance.now());
      expect(received).toBe("");
      for (const socket of held) socket.destroy();
      await expect.poll(async () => (await app.sms("+14155558002", "SIGNUP").catch(() => null))?.status).toBe(200);
    } finally {
      await app.stop();
    }
  });
});
