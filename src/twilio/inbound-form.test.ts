import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inboundSmsSchema, parseForm, parseInboundSms } from "./inbound-form.js";
import type { WebhookParams } from "./signature.js";

// parseInboundSms checks by hand what the schema checks; whatever the form, it must answer as zod does.
const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF"), minLength: length, maxLength: length });
const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: min, maxLength: max });
// Mostly what Twilio sends, so that each check is the one that fails often enough.
const sid = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom("SM", "MM"), hex(32)).map(([head, tail]) => head + tail) },
  fc
    .constantFrom("SM", "MM", "XX", "sm")
    .chain((head) =>
      fc
        .string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFg"), minLength: 31, maxLength: 33 })
        .map((tail) => head + tail),
    ),
  fc.string(),
);
const phone = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom("+", "whatsapp:+"), fc.constantFrom(..."123456789"), digits(6, 14))
      .map((parts) => parts.join("")),
  },
  fc
    .tuple(fc.constantFrom("+", "whatsapp:+", "", "+0", "whatsapp:", "WhatsApp:+"), fc.integer({ min: 0, max: 17 }))
    .chain(([head, length]) =>
      fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: length, maxLength: length }).map((d) => head + d),
    ),
  fc.string(),
);
const body = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("SIGNUP", "x".repeat(6400), "x".repeat(6401), "a\u0000b") },
  fc.constantFrom("SIGNUP", "stop", "", "a\u0000b", "x".repeat(6400), "x".repeat(6401), "é".repeat(6400)),
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);
const optOut = fc.constantFrom("STOP", "START", "HELP", "stop", "", "Help ", "OTHER");
const field = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 12, arbitrary: value.map((v) => [v] as const) },
    { weight: 1, arbitrary: fc.constant([] as const) },
    { weight: 1, arbitrary: fc.tuple(value, value) },
  );

const form = fc
  .record({
    MessageSid: field(sid),
    From: field(phone),
    Body: field(body),
    OptOutType: fc.oneof({ weight: 4, arbitrary: fc.constant([] as const) }, { weight: 1, arbitrary: field(optOut) }),
    To: field(phone),
  })
  .map((fields) => {
    const params: WebhookParams = Object.create(null);
    for (const [key, values] of Object.entries(fields)) {
      if (values.length === 1) params[key] = values[0] as string;
      else if (values.length > 1) params[key] = [...values] as string[];
    }
    return params;
  });

describe("parseInboundSms", () => {
  it("answers as parseForm(inboundSmsSchema) does, valid or not", () => {
    let valid = 0;
    fc.assert(
      fc.property(form, (params) => {
        const expected = parseForm(inboundSmsSchema, params);
        if (expected.ok) valid++;
        expect(parseInboundSms(params)).toStrictEqual(expected);
      }),
      { numRuns: 20_000 },
    );
    expect(valid).toBeGreaterThan(2_000);
  });

  it("answers Twilio's usual forms as zod does", () => {
    const base = { MessageSid: `SM${"a".repeat(32)}`, From: "+16505550123", Body: "SIGNUP", To: "+15005550006" };
    for (const params of [
      base,
      { ...base, From: "whatsapp:+16505550123" },
      { ...base, OptOutType: "STOP" },
      { ...base, MessageSid: `MM${"F".repeat(32)}`, Body: "" },
    ]) {
      const expected = parseForm(inboundSmsSchema, params);
      expect(expected.ok).toBe(true);
      expect(parseInboundSms(params)).toStrictEqual(expected);
    }
  });
});
