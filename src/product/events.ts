// What the product learns about a person, as Standard Webhooks payloads: {type, timestamp, data}.

export type ProductEventType = "signup.verified" | "signup.reset" | "signup.erased";

export interface ProductEvent {
  type: ProductEventType;
  phone: string;
  email: string;
  /** When it happened (ms); the payload's timestamp. */
  at: number;
  /** Further fields of `data` (verified_at, who reset or erased). */
  data?: Record<string, string | number | boolean | null>;
}

/** The body as sent and signed; built once, so every retry carries the same bytes. */
export function webhookPayload(event: ProductEvent): string {
  return JSON.stringify({
    type: event.type,
    timestamp: new Date(event.at).toISOString(),
    data: { phone: event.phone, email: event.email, ...event.data },
  });
}

/** Standard Webhooks asks for an id unique per message and stable across its retries. */
export const newWebhookId = () => `msg_${crypto.randomUUID().replaceAll("-", "")}`;
