import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeHmacSha1 } from "./node-hmac.js";

describe("nodeHmacSha1", () => {
  it("answers as createHmac with the token as a string does, for any token and data, reused or rotated", () => {
    const tokens = fc.oneof(
      fc.constantFrom("12345", "", "token"),
      fc.string(),
      fc.string({ unit: "grapheme" }),
      fc.string({ unit: "binary" }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(tokens, fc.string({ unit: "grapheme" })), { maxLength: 40 }), (calls) => {
        for (const [token, data] of calls) {
          const expected = createHmac("sha1", token).update(data).digest("base64");
          expect(nodeHmacSha1(token, data)).toBe(expected);
          expect(nodeHmacSha1(token, data)).toBe(expected);
        }
      }),
      { numRuns: 500 },
    );
  });
});
