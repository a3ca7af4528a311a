import type { Hono } from "hono";
import { E164 } from "../conversation/phone.js";
import type { LocalEmail } from "../email/log-sender.js";
import type { LocalSmsHistory } from "../twilio/log-sender.js";

/** Local mode's emails (the email step), kept as the SMS are. */
export interface LocalEmailHistory {
  sentFor(phone: string, afterId: number): LocalEmail[];
}

/**
 * Local mode only: the SMS (and emails, after `emailsAfter`) a phone was "sent", codes included, for `npm run chat`. Never mounted with Twilio
 * credentials, where codes go to real phones and must not be readable here.
 */
export function mountLocalOutbox(app: Hono, sender: LocalSmsHistory, emails?: LocalEmailHistory): void {
  app.get("/local/outbox", async (c) => {
    const phone = c.req.query("phone") ?? "";
    const after = Number(c.req.query("after") ?? "0");
    const emailsAfter = Number(c.req.query("emailsAfter") ?? "0");
    if (!E164.test(phone) || !Number.isInteger(after) || after < 0 || !Number.isInteger(emailsAfter) || emailsAfter < 0)
      return c.json({ error: "phone (E.164) and after (an id) are required" }, 400);
    return c.json({ messages: await sender.sentTo(phone, after), emails: emails?.sentFor(phone, emailsAfter) ?? [] });
  });
}
