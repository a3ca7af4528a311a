import { afterAll, afterEach, beforeAll, beforeEach, test } from "vitest";
import { dropPostgresDatabases } from "./databases.js";
import { FakeAuthy } from "./fake-authy.js";
import { FakeTwilio } from "./fake-twilio.js";
import { defaultDatabaseUrl, productionEnv, RunningService, type StartOptions, TestClock } from "./service.js";
import { TcpProxy } from "./tcp-proxy.js";

export interface ServiceTestOptions extends Omit<StartOptions, "env"> {
  /** The service's environment, given the fakes' addresses; production mode against the fake Twilio by default. */
  env?: (twilioUrl: string, authyUrl: string) => Record<string, string | undefined>;
}

/**
 * The fixture of the end-to-end tests: a fake Twilio (Messages, Verify, Calls, Lookup) and a fake Authy on 127.0.0.1,
 * and the service
 * on a real HTTP port and database, started once for the test file when its first test asks for them, stopped
 * after its last. Call it at the top level of a file, a test API per configuration.
 */
export function serviceTest(options: ServiceTestOptions = {}) {
  const { env = productionEnv, ...start } = options;
  return (
    test
      // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
      .extend("twilio", { scope: "file" }, async ({}, { onCleanup }) => {
        const twilio = await FakeTwilio.start();
        onCleanup(() => twilio.close());
        return twilio;
      })
      // biome-ignore lint/correctness/noEmptyPattern: as above
      .extend("authy", { scope: "file" }, async ({}, { onCleanup }) => {
        const authy = await FakeAuthy.start();
        onCleanup(() => authy.close());
        return authy;
      })
      .extend("app", { scope: "file" }, async ({ twilio, authy }, { onCleanup }) => {
        const app = await RunningService.start({ ...start, env: env(twilio.url, authy.url) });
        onCleanup(() => app.stop());
        return app;
      })
  );
}

export interface RestartableOptions extends Omit<StartOptions, "env" | "clock" | "databaseUrl"> {
  /** The service's environment, read at each start: it may name fakes that a beforeEach started. */
  env: () => Record<string, string | undefined>;
  /** Where each test's clock starts; the tests' fixed day by default. */
  startsAt?: () => number;
}

/**
 * Services that a test starts, stops and starts again (a restart, or a second process) on one SQLite database and
 * one clock, both fresh for each test; whatever still runs is stopped after it. Call it after the hooks that start
 * the fakes `env` names: vitest runs after-hooks last first, so every service stops before its fakes close.
 */
export function restartableServices(options: RestartableOptions) {
  const { env, startsAt, ...rest } = options;
  const running: RunningService[] = [];
  // One clock throughout, set back before each test: a test file may hold on to it.
  const clock = new TestClock();
  const firstDay = clock.current;
  let databaseUrl = "";
  beforeEach(async () => {
    clock.current = startsAt?.() ?? firstDay;
    databaseUrl = await defaultDatabaseUrl();
  });
  afterEach(async () => {
    // A test may have stopped some already (a restart): stopping again is harmless.
    for (const app of running.splice(0)) await app.stop().catch(() => undefined);
  });
  return {
    clock,
    /** Another service on the test's database and clock; `overrides` are added to the environment. */
    async start(overrides: Record<string, string> = {}): Promise<RunningService> {
      const app = await RunningService.start({ ...rest, env: { ...env(), ...overrides }, clock, databaseUrl });
      running.push(app);
      return app;
    },
  };
}

export interface ProxiedService {
  twilio: FakeTwilio;
  /** Between the service and its database: cut it, make it swallow, restore it. */
  proxy: TcpProxy;
  app: RunningService;
  /** The same database, not through the proxy. */
  directUrl: string;
}

/**
 * A service and a fake Twilio for the file's tests, on a fresh PostgreSQL database that the service reaches through a
 * TcpProxy, so a test can make the database go away and come back. Call it in a describe skipped without PostgreSQL;
 * the fields are set before the first test. After the last, the proxy is restored first so the service stops cleanly.
 */
export function serviceBehindProxy(env: (twilioUrl: string) => Record<string, string | undefined> = productionEnv) {
  const fixture = {} as ProxiedService;
  beforeAll(async () => {
    fixture.twilio = await FakeTwilio.start();
    const proxied = await TcpProxy.forFreshPostgres();
    fixture.proxy = proxied.proxy;
    fixture.directUrl = proxied.directUrl;
    fixture.app = await RunningService.start({ env: env(fixture.twilio.url), databaseUrl: proxied.url });
  });
  afterAll(async () => {
    fixture.proxy.restore();
    await fixture.app.stop();
    await fixture.proxy.close();
    await fixture.twilio.close();
    await dropPostgresDatabases();
  });
  return fixture;
}
