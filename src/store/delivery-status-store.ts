import type { Kysely } from "kysely";
import type { DeliveryStatus, DeliveryStatusStore, DeliveryUpdate } from "../conversation/ports.js";
import { statusesBefore } from "../twilio/delivery-status.js";
import type { Database } from "./schema.js";

/** Delivery statuses on the outbound message rows (messages.twilio_sid is indexed). */
export class KyselyDeliveryStatusStore implements DeliveryStatusStore {
  constructor(private readonly db: Kysely<Database>) {}

  async recordDelivery(
    messageSid: string,
    status: DeliveryStatus,
    errorCode: number | null,
    at: number,
  ): Promise<DeliveryUpdate> {
    const before = statusesBefore(status);
    if (before.length > 0) {
      // One conditional update: a status moves only forward, even with two callbacks racing.
      const updated = await this.db
        .updateTable("messages")
        .set({
          status,
          updated_at: at,
          ...(errorCode === null
            ? {}
            : { error_code: errorCode, error_message: `Twilio error ${errorCode} (${status})` }),
        })
        .where("twilio_sid", "=", messageSid)
        .where("direction", "=", "out")
        .where("status", "in", before)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) > 0) return "updated";
    }
    const known = await this.db
      .selectFrom("messages")
      .select("id")
      .where("twilio_sid", "=", messageSid)
      .where("direction", "=", "out")
      .executeTakeFirst();
    return known ? "stale" : "unknown";
  }
}
