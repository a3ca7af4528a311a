import { test } from "vitest";
import { FakeAuthy } from "./fake-authy.js";
import { FakeTwilio } from "./fake-twilio.js";
import { productionEnv, RunningService, type StartOptions } from "./service.js";

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
