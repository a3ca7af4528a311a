import { describe, expect, it } from "vitest";
import { bodiesTo, conversation, eventually, rows, sms } from "../support.js";

/** One whole sign-up in workerd with the provider this project's Worker is configured with. */
export function describeSignup(provider: string, phone: string, codeOf: (phone: string) => Promise<string | null>) {
  describe(`the Worker with the ${provider} provider`, () => {
    it("walks SIGNUP, email, a wrong code and the right one, then sends the success SMS once", async () => {
      const success = "You did it! Signup complete :) Your account is ana@example.com.";
      await sms(phone, "SIGNUP");
      expect((await sms(phone, "ana@example.com")).replies).toEqual([
        "We sent you a code. Reply with it, RESEND for a new one, or CALL to hear it.",
      ]);
      const code = await codeOf(phone);
      expect(code).toMatch(/^\d{4,10}$/);
      expect((await sms(phone, code === "0000000" ? "1111111" : "0000000")).replies).toEqual([
        "That code isn't right. 4 tries left.",
      ]);
      expect((await sms(phone, code ?? "")).replies).toEqual([]);
      expect((await conversation(phone))?.state).toBe("verified");
      const sent = await eventually(
        () => bodiesTo(phone),
        (bodies) => bodies.includes(success),
      );
      expect(sent).toEqual([success]);
      const [user] = await rows<{ verified_at: number | null }>("select verified_at from users where phone = ?", phone);
      expect(user?.verified_at).not.toBeNull();
    });
  });
}
