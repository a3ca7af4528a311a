// Runs in Node before a workerd project: the fake Twilio and Authy servers the Worker calls over real HTTP, and a
// small control server through which the tests (inside workerd) read what the fakes received.
import type { TestProject } from "vitest/node";
import { FakeAuthy } from "../support/fake-authy.js";
import { FakeTwilio } from "../support/fake-twilio.js";
import { listen, sendJson } from "../support/http-server.js";
import { authyEnv, verifyEnv } from "../support/provider-env.js";
import { PUBLIC_URL, productionEnv } from "../support/service.js";

export const WORKER_ADMIN_TOKEN = "worker-test-admin-token-0123";

declare module "vitest" {
  export interface ProvidedContext {
    /** The Worker's vars: the same settings a Node test service gets. */
    workerVars: Record<string, string>;
  }
}

export default async function setup(project: TestProject) {
  const twilio = await FakeTwilio.start();
  const authy = await FakeAuthy.start();
  const control = await listen((request, response) => {
    if (request.path === "/twilio")
      return sendJson(response, 200, {
        messages: twilio.messages,
        verifications: Object.fromEntries(twilio.verifications),
      });
    if (request.path === "/authy") return sendJson(response, 200, { users: [...authy.users.values()] });
    sendJson(response, 404, {});
  });
  const provider = /^worker-(verify|authy)$/.exec(project.name)?.[1];
  const env =
    provider === "verify"
      ? verifyEnv(twilio.url)
      : provider === "authy"
        ? authyEnv(twilio.url, authy.url)
        : productionEnv(twilio.url);
  project.provide("workerVars", {
    ...env,
    PUBLIC_URL,
    ADMIN_TOKEN: WORKER_ADMIN_TOKEN,
    LOG_LEVEL: "silent",
    FAKES_URL: control.url,
  });
  return async () => {
    await control.close();
    await twilio.close();
    await authy.close();
  };
}
