import { maskPhone } from "../conversation/mask.js";
import type { LineType, LineTypeLookup, Logger } from "../conversation/ports.js";
import { createTwilioClient, type TwilioAccess, type TwilioClient } from "./client.js";

export interface TwilioLineTypeLookupOptions extends TwilioAccess {
  logger: Logger;
}

/**
 * Twilio Lookup v2's line type intelligence (lookups.twilio.com/v2/PhoneNumbers/{n}?Fields=line_type_intelligence).
 * A failed lookup is "unknown", never an error: the SMS is tried as it would have been without it.
 */
export class TwilioLineTypeLookup implements LineTypeLookup {
  private readonly client: () => Promise<TwilioClient>;

  constructor(private readonly options: TwilioLineTypeLookupOptions) {
    this.client = createTwilioClient(options);
  }

  async lineType(phone: string): Promise<LineType> {
    try {
      const found = await (await this.client()).lookups.v2
        .phoneNumbers(phone)
        .fetch({ fields: "line_type_intelligence" });
      const type = (found.lineTypeIntelligence as { type?: string } | null)?.type;
      if (type === "landline") return "landline";
      if (type === "mobile") return "mobile";
      if (type === "fixedVoip" || type === "nonFixedVoip") return "voip";
      return "unknown";
    } catch (error) {
      this.options.logger.warn(
        { phone: maskPhone(phone), err: error instanceof Error ? error.message : String(error) },
        "line type lookup failed; trying an SMS",
      );
      return "unknown";
    }
  }
}
