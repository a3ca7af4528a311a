import type { Hono } from "hono";
import { createAdminApi, type AdminParts } from "./api.js";

export type { AdminParts } from "./api.js";
export { AdminQueries } from "./queries.js";

/** Everything operators use, on the service's own app: the JSON API and the pages. */
export function mountAdmin(app: Hono, parts: AdminParts): void {
  app.route("/admin/api", createAdminApi(parts));
}
