import { describe, expect, it } from "vitest";
import { CONTEXT_HIDDEN, signupContextSchema } from "../../machines/context.js";
import { initialContext } from "../../machines/signup.js";
import { operatorContext, toOperatorContext } from "./schemas.js";

describe("the operator's view of the context", () => {
  it("is derived from the machine's context schema: every field but the hidden ones, so a new field cannot 500", () => {
    const machineFields = Object.keys(signupContextSchema.shape).filter(
      (key) => !(CONTEXT_HIDDEN as readonly string[]).includes(key),
    );
    const viewFields = Object.keys((operatorContext as unknown as { shape: object }).shape);
    expect(viewFields.sort()).toEqual(machineFields.sort());
    expect(viewFields).not.toContain("ticket");
  });

  it("shows a live context with instants as ISO 8601 and without the code's handle, and passes its own schema", () => {
    const at = Date.UTC(2026, 0, 1, 12);
    const context = {
      ...initialContext("+14155550123", at),
      email: "ana@example.com",
      ticket: "salt:hash",
      codeExpiresAt: at + 600_000,
      lastSentAt: at,
      sendTimes: [at - 60_000, at],
      startedAt: at - 120_000,
    };
    const view = toOperatorContext(context);
    expect(view).toMatchObject({
      phone: "+14155550123",
      email: "ana@example.com",
      codeExpiresAt: "2026-01-01T12:10:00.000Z",
      sendTimes: ["2026-01-01T11:59:00.000Z", "2026-01-01T12:00:00.000Z"],
      verifiedAt: null,
      sendReason: "start",
    });
    expect(JSON.stringify(view)).not.toContain("salt:hash");
    expect(view).not.toHaveProperty("now");
    expect(operatorContext.parse(view)).toEqual(view);
  });
});
