import type { ConversationRecord, PendingCall } from "../conversation/ports.js";
import { type ConversationRow, fromFlag } from "./schema.js";

/** The one reading of a conversations row: JSON columns parsed, the flag as a boolean. */
export function toConversationRecord(row: ConversationRow): ConversationRecord {
  return {
    phone: row.phone,
    state: row.state,
    snapshot: row.snapshot === null ? null : JSON.parse(row.snapshot),
    machineVersion: row.machine_version,
    rowVersion: row.row_version,
    optedOut: fromFlag(row.opted_out),
    pendingCall: row.pending_call === null ? null : (JSON.parse(row.pending_call) as PendingCall),
    language: row.language,
    channel: row.channel,
  };
}
