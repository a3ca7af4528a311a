import { test } from "vitest";
import { FakeTwilio } from "./fake-twilio.js";
import { productionEnv, RunningService, type StartOptions } from "./service.js";

export interface ServiceTestOptions extends Omit<StartOptions, "env"> {
  /** The service's environment, given the fake Twilio's address; production mode against the fake by default. */
  env?: (twilioUrl: string) => Record<string, string | undefined>;
}

/**
 * The fixture of the end-to-end tests: a fake Twilio (Messages, Verify, Calls, Lookup) on 127.0.0.1 and the service
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
      .extend("app", { scope: "file" }, async ({ twilio }, { onCleanup }) => {
        const app = await RunningService.start({ ...start, env: env(twilio.url) });
        onCleanup(() => app.stop());
        return app;
      })
  );
}
