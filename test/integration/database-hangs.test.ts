// Issue 10: a PostgreSQL that stops answering without closing its sockets (a host that hangs, a network that drops
// packets). The machine's cluster is shared, so a TCP proxy in front of it plays the part: it swallows every byte.
// (The cluster restarting, every connection cut and new ones refused, is database-away.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropPostgresDatabases, freshPostgresUrl, postgresAvailable } from "../support/databases.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { productionEnv, RunningService } from "../support/service.js";
import { TcpProxy } from "../support/tcp-proxy.js";

const hasPostgres = await postgresAvailable();
const SORRY = /Sorry, something went wrong on our side/;

describe.skipIf(!hasPostgres)("a PostgreSQL that hangs", () => {
  let twilio: FakeTwilio;
  let proxy: TcpProxy;
  let app: RunningService;

  beforeAll(async () => {
    twilio = await FakeTwilio.start();
    const direct = new URL(await freshPostgresUrl());
    proxy = await TcpProxy.start(direct.hostname, Number(direct.port || 5432));
    const viaProxy = new URL(direct);
    viaProxy.port = String(proxy.port);
    app = await RunningService.start({
      env: productionEnv(twilio.url),
      databaseUrl: viaProxy.toString(),
    });
  });
  afterAll(async () => {
    proxy.restore();
    await app.stop();
    await proxy.close();
    await twilio.close();
    await dropPostgresDatabases();
  });

  const health = async () => (await fetch(`${app.url}/healthz`)).status;

  it("hangs without closing its sockets: /healthz answers 503 within its bound every time, and 200 once it is back", async () => {
    expect(await health()).toBe(200);
    proxy.swallow();
    const took: number[] = [];
    // More probes than the pool has connections: hung ones must not make later probes wait longer.
    for (let i = 0; i < 14; i += 1) {
      const startedAt = performance.now();
      expect(await health()).toBe(503);
      took.push(performance.now() - startedAt);
    }
    const apology = await app.sms("+14155559600", "SIGNUP");
    expect(apology.status).toBe(200);
    expect(apology.replies).toEqual([expect.stringMatching(SORRY)]);
    proxy.restore();
    const backAt = performance.now();
    await expect.poll(health, { timeout: 15_000, interval: 100 }).toBe(200);
    console.log(
      `database hung: /healthz 503 in ${Math.round(Math.min(...took))}-${Math.round(Math.max(...took))} ms ` +
        `(14 probes); 200 again ${Math.round(performance.now() - backAt)} ms after it answered again`,
    );
    // The health check's own timeout is 2 s: a probe never waits for the database beyond it.
    expect(Math.max(...took)).toBeLessThan(5_000);
    expect((await app.sms("+14155559600", "SIGNUP")).replies[0]).toMatch(/email/);
  }, 60_000);
});
