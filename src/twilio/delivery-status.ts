// Where a Messages API status sits in a message's life. Twilio's callbacks can arrive out of order ("sent" after
// "delivered"); a status only ever moves forward, so a late one cannot undo a later one.

import type { CallStatus, DeliveryStatus } from "../conversation/ports.js";

const RANK: Record<DeliveryStatus, number> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  canceled: 4,
  partially_delivered: 4,
  read: 5,
};

export const isKnownStatus = (status: string): status is DeliveryStatus => Object.hasOwn(RANK, status);

/** The statuses a message may be in for `status` to replace it: those strictly before it. */
export function statusesBefore(status: DeliveryStatus): DeliveryStatus[] {
  return (Object.keys(RANK) as DeliveryStatus[]).filter((other) => RANK[other] < RANK[status]);
}

const CALL_STATUSES: readonly string[] = [
  "queued",
  "ringing",
  "in-progress",
  "completed",
  "busy",
  "failed",
  "no-answer",
  "canceled",
] satisfies CallStatus[];

/** What Twilio answered of a message or call it took; a word it may add later reads as "queued", where all start. */
export function toSentStatus(status: unknown): DeliveryStatus | CallStatus {
  if (typeof status === "string" && (isKnownStatus(status) || CALL_STATUSES.includes(status)))
    return status as DeliveryStatus | CallStatus;
  return "queued";
}
