import type { Hono } from "hono";
import { z } from "zod";
import type { AdminExtension } from "../admin/extensions.js";
import { jsonContent, jsonResponse, pathParam, queryParam } from "../admin/openapi-parts.js";
import { PostButton } from "../admin/pages/post-button.js";
import { RowsTable } from "../admin/pages/rows-table.js";
import { Time } from "../admin/pages/words.js";
import type { Clock } from "../conversation/ports.js";
import type { Allowance, KyselySendLedger } from "./kysely-ledger.js";
import { REFUSAL_REASONS } from "./send-policy.js";

const HOUR_MS = 60 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A number or a prefix of one: "+", a country code and at least two more digits (so never a whole country). */
const pattern = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{3,14}$/, "must be an E.164 number or a prefix of one, like +4477009 (at least 4 digits)");
const allowRequest = z.object({
  pattern,
  note: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((note) => note || null),
});
const allowanceSchema = z.object({
  id: z.number().int(),
  pattern: z.string(),
  note: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});
const defencesSchema = z.object({
  since: z.string(),
  sent: z.number().int(),
  refusals: z.object(Object.fromEntries(REFUSAL_REASONS.map((reason) => [reason, z.number().int()]))),
  cappedPrefixes: z.array(
    z.object({ prefix: z.string(), country: z.string().nullable(), refused: z.number().int(), lastAt: z.string() }),
  ),
  allowances: z.array(allowanceSchema),
});
const sinceQuery = z.object({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
});

const allowanceOut = (allowance: Allowance) => ({ ...allowance, createdAt: iso(allowance.createdAt) });

const REASON_LABELS: Record<string, string> = {
  country: "country not allowed",
  number_type: "not a mobile or fixed line",
  prefix_cap: "prefix over its hourly cap",
  country_cap: "country over its hourly cap",
  global_budget: "hourly budget spent",
};

/** Operators watch the SMS pumping defences work and allow a number or prefix in spite of them. */
export function defencesAdmin(ledger: KyselySendLedger, clock: Clock): AdminExtension {
  const report = async (hours: number) => {
    const since = clock.now() - hours * HOUR_MS;
    const summary = await ledger.summary(since);
    return {
      since: iso(since),
      sent: summary.sent,
      refusals: summary.refusals,
      cappedPrefixes: summary.cappedPrefixes.map((p) => ({ ...p, lastAt: iso(p.lastAt) })),
      allowances: (await ledger.listAllowances()).map(allowanceOut),
    };
  };
  return {
    api(api: Hono, { send, bad }) {
      api.get("/defences", async (c) => {
        const query = sinceQuery.safeParse(c.req.query());
        if (!query.success) return bad(c, query.error);
        return send(c, defencesSchema, await report(query.data.hours));
      });
      api.post("/allowances", async (c) => {
        const body = allowRequest.safeParse(await c.req.json().catch(() => null));
        if (!body.success) return bad(c, body.error);
        const allowance = await ledger.allow(body.data.pattern, body.data.note, "operator (API)", clock.now());
        return send(c, allowanceSchema, allowanceOut(allowance));
      });
      api.delete("/allowances/:id", async (c) => {
        const id = Number(c.req.param("id"));
        if (!Number.isInteger(id) || !(await ledger.removeAllowance(id))) {
          return c.json({ error: "no allowance with this id" }, 404);
        }
        return c.json({ removed: true });
      });
    },
    pages(pages, operator) {
      pages.post("/allowances", async (c) => {
        const form = await c.req.parseBody();
        const body = allowRequest.safeParse({ pattern: form.pattern, note: form.note });
        if (!body.success) return c.redirect("/admin?done=allowance-invalid#defences", 303);
        await ledger.allow(body.data.pattern, body.data.note, operator, clock.now());
        return c.redirect("/admin?done=allowance-added#defences", 303);
      });
      pages.post("/allowances/:id/remove", async (c) => {
        await ledger.removeAllowance(Number(c.req.param("id")));
        return c.redirect("/admin?done=allowance-removed#defences", 303);
      });
    },
    notices: {
      "allowance-added": "Allowed: codes go to that number or prefix whatever the guard says.",
      "allowance-invalid": "That is not a number or prefix: a +, the country code and at least 4 digits.",
      "allowance-removed": "The allowance was removed.",
    },
    async panel(csrf) {
      const [hour, day] = [await report(1), await report(24)];
      return (
        <div class="card" id="defences">
          <h2>Codes refused (SMS pumping defences)</h2>
          <table id="refusals">
            <thead>
              <tr>
                <th>reason</th>
                <th>last hour</th>
                <th>last 24 h</th>
              </tr>
            </thead>
            <tbody>
              {REFUSAL_REASONS.map((reason) => (
                <tr data-reason={reason}>
                  <td>{REASON_LABELS[reason]}</td>
                  <td>{hour.refusals[reason]}</td>
                  <td>{day.refusals[reason]}</td>
                </tr>
              ))}
              <tr>
                <td class="muted">codes sent</td>
                <td class="muted">{hour.sent}</td>
                <td class="muted">{day.sent}</td>
              </tr>
            </tbody>
          </table>
          <h2 class="spaced">Prefixes that hit their cap (24 h)</h2>
          {day.cappedPrefixes.length === 0 ? <p class="muted">None.</p> : null}
          <RowsTable
            id="capped-prefixes"
            headings={["prefix", "country", "refused", "last", ""]}
            rows={day.cappedPrefixes}
            cells={(p) => (
              <>
                <td>{`${p.prefix}…`}</td>
                <td>{p.country ?? "—"}</td>
                <td>{p.refused}</td>
                <td>
                  <Time iso={p.lastAt} />
                </td>
                <td>
                  <PostButton
                    action="/admin/allowances"
                    csrf={csrf}
                    fields={{ pattern: p.prefix }}
                    label="Allow this prefix"
                    plain
                  />
                </td>
              </>
            )}
          />
          <h2 class="spaced">Allowed numbers and prefixes</h2>
          <form method="post" action="/admin/allowances" class="filters">
            <input type="hidden" name="_csrf" value={csrf} />
            <label>
              Number or prefix
              <input name="pattern" placeholder="+4477009" required />
            </label>
            <label>
              Note
              <input name="note" placeholder="why" />
            </label>
            <button type="submit">Allow</button>
          </form>
          <RowsTable
            id="allowances"
            class="spaced"
            rows={hour.allowances}
            cells={(a) => (
              <>
                <td>{a.pattern}</td>
                <td>{a.note ?? ""}</td>
                <td class="muted">
                  {`${a.createdBy}, `}
                  <Time iso={a.createdAt} />
                </td>
                <td>
                  <PostButton action={`/admin/allowances/${a.id}/remove`} csrf={csrf} label="Remove" plain />
                </td>
              </>
            )}
          />
        </div>
      );
    },
    openApiPaths: {
      "/defences": {
        get: {
          summary: "Codes sent and refused by reason, prefixes that hit their cap, and the allowances",
          parameters: [queryParam("hours", undefined, { type: "integer", default: 24 })],
          responses: { "200": jsonResponse("the figures", defencesSchema) },
        },
      },
      "/allowances": {
        post: {
          summary: "Allow codes to a number or prefix whatever the caps, country list and number type say",
          requestBody: jsonContent(allowRequest, "input"),
          responses: { "200": { description: "the allowance" }, "400": { description: "not a number or prefix" } },
        },
      },
      "/allowances/{id}": {
        delete: {
          summary: "Remove an allowance",
          parameters: [pathParam("id", { type: "integer" })],
          responses: { "200": { description: "removed" }, "404": { description: "no such allowance" } },
        },
      },
    },
  };
}
