import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { nodeHmacSha1 } from "./node-hmac.js";
import { computeSignature, formParams, isValidSignature } from "./signature.js";

// The vectors of twilio-node's own signature tests (spec/unit/webhooks/webhooks.spec.js).
const TOKEN = "12345";
const URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
const PARAMS = {
  CallSid: "CA1234567890ABCDE",
  Caller: "+14158675309",
  Digits: "1234",
  From: "+14158675309",
  To: "+18005551212",
};

describe("X-Twilio-Signature", () => {
  it("matches the published test vector", async () => {
    expect(await computeSignature(TOKEN, URL, PARAMS)).toBe("RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    expect(await isValidSignature(TOKEN, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, PARAMS)).toBe(true);
  });

  it("is the same with node:crypto's HMAC (the Node entry's) as with Web Crypto's", async () => {
    expect(await computeSignature(TOKEN, URL, PARAMS, nodeHmacSha1)).toBe("RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    expect(await isValidSignature(TOKEN, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, PARAMS, nodeHmacSha1)).toBe(true);
    expect(
      await isValidSignature(TOKEN, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, { ...PARAMS, Digits: "1235" }, nodeHmacSha1),
    ).toBe(false);
  });

  it("matches the twilio SDK's own signer, repeated keys and unicode included", async () => {
    const form = new URLSearchParams(
      "Body=h%C3%A9llo+%F0%9F%91%8B&MediaUrl0=b&MediaUrl0=a&MediaUrl0=b&From=%2B15551234567&a=1&B=2",
    );
    const params = formParams(form);
    expect(params.MediaUrl0).toEqual(["b", "a", "b"]);
    const url = "https://sms.example.test/sms";
    expect(await computeSignature("tok", url, params)).toBe(
      twilio.getExpectedTwilioSignature("tok", url, params as never),
    );
  });

  it("refuses a wrong, a missing, a truncated signature and a changed field", async () => {
    expect(await isValidSignature(TOKEN, "RSOYDt4T1cUTdK1PDd93/VVr8B8", URL, PARAMS)).toBe(false);
    expect(await isValidSignature(TOKEN, undefined, URL, PARAMS)).toBe(false);
    expect(await isValidSignature(TOKEN, "", URL, PARAMS)).toBe(false);
    expect(await isValidSignature(TOKEN, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, { ...PARAMS, Digits: "1235" })).toBe(
      false,
    );
    expect(
      await isValidSignature(TOKEN, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", "https://mycompany.com/myapp.php", PARAMS),
    ).toBe(false);
    expect(await isValidSignature("54321", "RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, PARAMS)).toBe(false);
  });
});
