import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** The control server of the fakes (test/worker/global-setup.ts). */
      FAKES_URL: string;
      TWILIO_AUTH_TOKEN: string;
      ADMIN_TOKEN: string;
    }
  }
}
