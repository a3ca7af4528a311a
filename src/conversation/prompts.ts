import { type MessageRef, msg } from "../../machines/message-keys.js";
import type { SignupContext } from "../../machines/types.js";

/** What a person is expected to send next, for replies that come back to the conversation (START, a reset). */
export function promptFor(state: string, context: SignupContext | null, signupWord: string): MessageRef {
  switch (state) {
    case "awaitingEmail":
      return msg("welcome");
    case "awaitingCode":
      return msg("promptCode");
    case "awaitingEmailCode":
      return msg("promptEmailCode", { email: context?.email ?? "" });
    case "verified":
      return msg("alreadyVerified", { email: context?.email ?? "" });
    default:
      return msg("howToBegin", { signupWord });
  }
}
