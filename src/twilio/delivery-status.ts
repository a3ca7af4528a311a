// Where a Messages API status sits in a message's life. Twilio's callbacks can arrive out of order ("sent" after
// "delivered"); a status only ever moves forward, so a late one cannot undo a later one.

const RANK: Record<string, number> = {
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

export const isKnownStatus = (status: string) => Object.hasOwn(RANK, status);

/** The statuses a message may be in for `status` to replace it: those strictly before it. */
export function statusesBefore(status: string): string[] {
  if (!isKnownStatus(status)) return [];
  const rank = RANK[status] ?? Infinity;
  return Object.keys(RANK).filter((other) => (RANK[other] ?? Infinity) < rank);
}
