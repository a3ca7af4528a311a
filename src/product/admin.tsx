import type { Hono } from "hono";
import { z } from "zod";
import type { AdminExtension } from "../admin/extensions.js";
import { jsonResponse, pathParam, queryParam } from "../admin/openapi-parts.js";
import { PostButton } from "../admin/pages/post-button.js";
import { RowsTable } from "../admin/pages/rows-table.js";
import { Time } from "../admin/pages/words.js";
import type { Clock } from "../conversation/ports.js";
import type { WebhookOutbox, WebhookRow } from "./webhook-outbox.js";

const STATUSES = ["pending", "delivered", "failed"] as const;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const webhookItem = z.object({
  webhookId: z.string(),
  type: z.string(),
  phone: z.string(),
  status: z.enum(STATUSES),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export const webhookList = z.object({ items: z.array(webhookItem) });
const listQuery = z.object({
  status: z.enum(STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
const resendResult = z.object({ webhookId: z.string(), status: z.literal("pending") });
const webhookIdParam = z.string().regex(/^msg_[0-9a-f]{32}$/, "must be a webhook-id like msg_0123…");

const itemOf = (row: WebhookRow): z.input<typeof webhookItem> => ({
  webhookId: row.webhookId,
  type: row.type,
  phone: row.phone,
  status: row.status,
  attempts: row.attempts,
  lastError: row.lastError,
  nextAttemptAt: iso(row.nextAttemptAt),
  createdAt: iso(row.createdAt) ?? "",
  deliveredAt: iso(row.deliveredAt),
});

/** Operators see the product's events and send a failed one again (same webhook-id), from the API and the pages. */
export function webhookAdmin(outbox: WebhookOutbox, clock: Clock, kick: () => void): AdminExtension {
  const resend = async (id: string): Promise<boolean> => {
    const resent = await outbox.resend(id, clock.now());
    if (resent) kick();
    return resent;
  };
  return {
    api(api: Hono, { send, bad }) {
      api.get("/webhooks", async (c) => {
        const query = listQuery.safeParse(c.req.query());
        if (!query.success) return bad(c, query.error);
        return send(c, webhookList, { items: (await outbox.list(query.data)).map(itemOf) });
      });
      api.post("/webhooks/:webhookId/resend", async (c) => {
        const id = webhookIdParam.safeParse(c.req.param("webhookId"));
        if (!id.success) return bad(c, id.error);
        if (!(await resend(id.data))) return c.json({ error: "no failed webhook with this id" }, 404);
        return send(c, resendResult, { webhookId: id.data, status: "pending" });
      });
    },
    pages(pages) {
      pages.post("/webhooks/:webhookId/resend", async (c) => {
        const id = webhookIdParam.safeParse(c.req.param("webhookId"));
        const resent = id.success && (await resend(id.data));
        return c.redirect(`/admin?done=${resent ? "webhook-resent" : "webhook-not-failed"}#webhooks`, 303);
      });
    },
    notices: {
      "webhook-resent": "The webhook is being sent again, with the same webhook-id.",
      "webhook-not-failed": "That webhook is not a failed one (it may have been sent again already).",
    },
    async panel(csrf) {
      const failed = await outbox.list({ status: "failed", limit: 20 });
      const { depth, oldestAt } = await outbox.backlog();
      return (
        <div class="card" id="webhooks">
          <h2>Product webhook</h2>
          <p class="muted">
            {`${depth} waiting`}
            {oldestAt === null ? null : ", the oldest since "}
            {oldestAt === null ? null : <Time iso={iso(oldestAt)} />}
            {`; ${failed.length} failed (given up, shown until sent again).`}
          </p>
          <RowsTable
            headings={["event", "phone", "created", "tries", "last error", ""]}
            rows={failed}
            cells={(row) => (
              <>
                <td>
                  <span class="event">{row.type}</span> <span class="muted">{row.webhookId}</span>
                </td>
                <td>{row.phone}</td>
                <td>
                  <Time iso={iso(row.createdAt)} />
                </td>
                <td>{row.attempts}</td>
                <td>{row.lastError ?? "—"}</td>
                <td>
                  <PostButton action={`/admin/webhooks/${row.webhookId}/resend`} csrf={csrf} label="Send again" />
                </td>
              </>
            )}
          />
        </div>
      );
    },
    openApiPaths: {
      "/webhooks": {
        get: {
          summary: "The product's webhook events, newest first",
          parameters: [
            queryParam("status", undefined, { type: "string", enum: STATUSES }),
            queryParam("limit", undefined, { type: "integer", default: 50 }),
          ],
          responses: { "200": jsonResponse("events", webhookList) },
        },
      },
      "/webhooks/{webhookId}/resend": {
        post: {
          summary: "Send a failed event again, with the same webhook-id and a fresh time budget",
          parameters: [pathParam("webhookId")],
          responses: {
            "200": { description: "queued again" },
            "404": { description: "no failed event with this id" },
          },
        },
      },
    },
  };
}
