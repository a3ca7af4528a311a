import type { Hono } from "hono";
import { type AdminParts, createAdminApi } from "./api.js";
import { AttemptLimiter } from "./attempt-limiter.js";
import { createAdminPages, pageSessionReader } from "./pages/routes.js";

export type { AdminParts } from "./api.js";
export { AdminQueries } from "./queries.js";

/** Everything operators use, on the service's own app: the JSON API and the pages. */
export function mountAdmin(app: Hono, parts: AdminParts): void {
  const guards = { attempts: new AttemptLimiter(parts.clock) };
  app.route("/admin/api", createAdminApi(parts, guards, { signedIn: pageSessionReader(parts) }));
  // Unknown API paths answer as the API does, rather than falling through to the pages' sign-in.
  app.all("/admin/api/*", (c) => c.json({ error: "not found" }, 404));
  app.route("/admin", createAdminPages(parts, guards));
}
