// TwiML replies. Built by hand (a few lines) so the Workers bundle does not need the SDK's XML builder.

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
const escapeXml = (text: string) => text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);

/**
 * All replies of one turn in one <Message>: one SMS for the person, not several. No replies gives `<Response/>`,
 * which Twilio takes as "stay silent" (an empty body would be error 11200).
 */
export function messagingResponse(replies: readonly string[]): string {
  const head = '<?xml version="1.0" encoding="UTF-8"?>';
  if (replies.length === 0) return `${head}<Response/>`;
  return `${head}<Response><Message>${escapeXml(replies.join("\n"))}</Message></Response>`;
}
