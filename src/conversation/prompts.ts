import { messages } from "../../machines/messages.js";
import type { SignupContext } from "../../machines/types.js";

/** What a person is expected to send next, for replies that come back to the conversation (START, a reset). */
export function promptFor(state: string, context: SignupContext | null, signupWord: string): string {
  switch (state) {
    case "awaitingEmail":
      return messages.welcome;
    case "awaitingCode":
      return "Reply with the code we sent, or RESEND for a new one.";
    case "verified":
      return messages.alreadyVerified(context?.email ?? "");
    default:
      return messages.howToBegin(signupWord);
  }
}
