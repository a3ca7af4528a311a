// One-time codes kept only as a salted SHA-256 ("sha256:salt:hash"), bound to what they prove (a phone, an email).
import { equalBytes } from "../security/constant-time.js";

const encoder = new TextEncoder();
const toHex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));

/** A uniformly random code: rejection sampling keeps the modulo from favouring low numbers. */
export function randomCode(length: number): string {
  const limit = 10 ** length;
  const ceiling = Math.floor(0x1_0000_0000 / limit) * limit;
  const word = new Uint32Array(1);
  do crypto.getRandomValues(word);
  while ((word[0] ?? 0) >= ceiling);
  return String((word[0] ?? 0) % limit).padStart(length, "0");
}

/** SHA-256 of some bytes: Web Crypto's by default, a runtime's faster one where it has one (Node's node:crypto). */
export type Sha256 = (data: Uint8Array<ArrayBuffer>) => Uint8Array | Promise<Uint8Array>;

export const webSha256: Sha256 = async (data) => new Uint8Array(await crypto.subtle.digest("SHA-256", data));

/** Makes and checks the tickets a conversation keeps instead of its codes. */
export class CodeTickets {
  constructor(private readonly sha256: Sha256 = webSha256) {}

  /** The ticket a conversation keeps instead of the code. */
  async issue(subject: string, code: string): Promise<string> {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    return `sha256:${toHex(salt)}:${toHex(await this.digest(salt, subject, code))}`;
  }

  /** Whether `code` is the one the ticket was made for; null when the ticket is none of ours (no live code). */
  async matches(ticket: string | null, subject: string, code: string): Promise<boolean | null> {
    const [scheme, saltHex, hashHex] = (ticket ?? "").split(":");
    if (scheme !== "sha256" || !saltHex || !hashHex) return null;
    return equalBytes(await this.digest(fromHex(saltHex), subject, code), fromHex(hashHex));
  }

  private async digest(salt: Uint8Array, subject: string, code: string): Promise<Uint8Array> {
    return this.sha256(new Uint8Array([...salt, ...encoder.encode(`${subject}:${code}`)]));
  }
}
