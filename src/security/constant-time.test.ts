import { describe, expect, it } from "vitest";
import { equalBytes, equalSecrets } from "./constant-time.js";

const TOKEN = "operator-token-0123456789abcdef";

describe("equalSecrets", () => {
  it("is true only for equal strings, whatever their lengths", async () => {
    expect(await equalSecrets(TOKEN, TOKEN)).toBe(true);
    expect(await equalSecrets(TOKEN, `${TOKEN} `)).toBe(false);
    expect(await equalSecrets(TOKEN, TOKEN.slice(0, -1))).toBe(false);
    expect(await equalSecrets("", TOKEN)).toBe(false);
    expect(await equalSecrets("", "")).toBe(true);
  });
});

describe("equalBytes", () => {
  it("is true only for the same bytes, a longer or shorter array included", () => {
    expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3, 0]))).toBe(false);
    expect(equalBytes(new Uint8Array([]), new Uint8Array([0]))).toBe(false);
  });
});
