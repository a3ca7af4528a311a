import type { Hono } from "hono";
import { E164 } from "../conversation/phone.js";
import type { LocalSmsHistory } from "../twilio/log-sender.js";

/**
 * Local mode only: the SMS a phone was "sent", codes included, for `npm run chat`. Never mounted with Twilio
 * credentials, where codes go to real phones and must not be readable here.
 */
export function mountLocalOutbox(app: Hono, sender: LocalSmsHistory): void {
  app.get("/local/outbox", async (c) => {
    const phone = c.req.query("phone") ?? "";
    const after = Number(c.req.query("after") ?? "0");
    if (!E164.test(phone) || !Number.isInteger(after) || after < 0)
      return c.json({ error: "phone (E.164) and after (an id) are required" }, 400);
    return c.json({ messages: await sender.sentTo(phone, after) });
  });
}
