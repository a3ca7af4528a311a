import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { CodeTickets, randomCode, webSha256 } from "./code-hash.js";
import { nodeSha256 } from "./node-sha256.js";

const web = new CodeTickets();
const node = new CodeTickets(nodeSha256);

describe("code tickets", () => {
  test.prop([fc.uint8Array({ maxLength: 300 })])("node:crypto's SHA-256 equals Web Crypto's", async (bytes) => {
    const data = new Uint8Array(bytes);
    expect(await nodeSha256(data)).toEqual(await webSha256(data));
  });

  test.prop([fc.string(), fc.stringMatching(/^\d{4,8}$/)])(
    "a ticket made with either hash is matched by the other: stored tickets outlive a change of runtime",
    async (subject, code) => {
      expect(await web.matches(await node.issue(subject, code), subject, code)).toBe(true);
      expect(await node.matches(await web.issue(subject, code), subject, code)).toBe(true);
    },
  );

  it("a wrong code, or another subject's ticket, does not match; a ticket that is none of ours is no live code", async () => {
    const code = randomCode(6);
    const ticket = await node.issue("+14155550100", code);
    expect(ticket).toMatch(/^sha256:[0-9a-f]{32}:[0-9a-f]{64}$/);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    expect(await node.matches(ticket, "+14155550100", wrong)).toBe(false);
    expect(await node.matches(ticket, "+14155550101", code)).toBe(false);
    for (const foreign of [null, "", "verify", "sha1:00:00", "sha256::"]) {
      expect(await node.matches(foreign, "+14155550100", code)).toBeNull();
    }
  });

  it("salts each ticket: the same code twice gives two tickets", async () => {
    expect(await node.issue("a@example.com", "123456")).not.toBe(await node.issue("a@example.com", "123456"));
  });
});
