import type { ServerResponse } from "node:http";
import { Webhook } from "standardwebhooks";
import { FakeServer, type RecordedRequest } from "./http-server.js";

/** A Standard Webhooks secret for tests: whsec_ and base64 of 32 bytes. */
export const WEBHOOK_SECRET = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;

export interface ReceivedWebhook {
  webhookId: string;
  /** The signature checked with the standardwebhooks package, as a product would. */
  valid: boolean;
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on whatever JSON arrived
  payload: any;
}

/**
 * The product's endpoint on 127.0.0.1: verifies each POST with the standardwebhooks package and answers what the
 * test scripted: `failures` answers of 503 first, or never an answer at all while `hang` is set.
 */
export class ProductReceiver extends FakeServer {
  readonly received: ReceivedWebhook[] = [];
  failures = 0;
  hang = false;
  private readonly verifier = new Webhook(WEBHOOK_SECRET);

  protected handle(request: RecordedRequest, response: ServerResponse): void {
    if (this.hang) return; // the socket stays open until the sender gives up on it
    let valid = true;
    let payload: unknown = null;
    try {
      payload = this.verifier.verify(request.body, request.headers as Record<string, string>);
    } catch {
      valid = false;
    }
    const status = !valid ? 400 : this.failures > 0 ? 503 : 204;
    if (status === 503) this.failures -= 1;
    this.received.push({ webhookId: String(request.headers["webhook-id"]), valid, status, payload });
    response.statusCode = status;
    response.end();
  }

  /** The events the product accepted (2xx), in order. */
  get accepted(): ReceivedWebhook[] {
    return this.received.filter((r) => r.status < 300);
  }
}
