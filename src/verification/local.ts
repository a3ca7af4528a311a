import type { CheckCodeInput, CheckCodeResult, SendCodeInput, SendCodeResult } from "../../machines/types.js";
import { maskCodes } from "../conversation/mask.js";
import { SmsSendError, type SmsSender, type VerificationProvider } from "../conversation/ports.js";
import { constantTimeEqual } from "../security/constant-time.js";

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

async function digest(salt: Uint8Array, phone: string, code: string): Promise<Uint8Array> {
  const message = new Uint8Array([...salt, ...encoder.encode(`${phone}:${code}`)]);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", message));
}

/** Failures of the SMS that carries a code, in the conversation's terms. */
export function sendFailure(error: unknown): SendCodeResult {
  if (error instanceof SmsSendError) {
    if (error.code === 21211 || error.code === 21614 || error.code === 21612 || error.code === 21635)
      return { status: "undeliverable" };
    if (error.code === 21610 || error.code === 21408) return { status: "blocked" };
  }
  return { status: "unavailable" };
}

export interface LocalProviderOptions {
  sender: SmsSender;
  codeLength?: number;
  codeTtlMs: number;
}

/**
 * The built-in provider: 6-digit codes from the CSPRNG, sent through our own SMS sender, kept only as a salted
 * SHA-256 in the conversation's ticket. A new send always makes a new code (the old hash is replaced).
 */
export class LocalVerificationProvider implements VerificationProvider {
  readonly name = "local" as const;
  private readonly codeLength: number;

  constructor(private readonly options: LocalProviderOptions) {
    this.codeLength = options.codeLength ?? 6;
  }

  async sendCode(input: SendCodeInput): Promise<SendCodeResult> {
    const code = randomCode(this.codeLength);
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const hash = await digest(salt, input.phone, code);
    const minutes = Math.round(this.options.codeTtlMs / 60_000);
    const body = `Your sign-up code is ${code}. It expires in ${minutes} minutes. Don't share it with anyone.`;
    try {
      await this.options.sender.send({ to: input.phone, body, transcriptBody: maskCodes(body) });
    } catch (error) {
      return sendFailure(error);
    }
    return { status: "sent", ticket: `sha256:${toHex(salt)}:${toHex(hash)}` };
  }

  async checkCode(input: CheckCodeInput): Promise<CheckCodeResult> {
    const [scheme, saltHex, hashHex] = (input.ticket ?? "").split(":");
    if (scheme !== "sha256" || !saltHex || !hashHex) return { status: "expired" };
    const actual = await digest(fromHex(saltHex), input.phone, input.code);
    return constantTimeEqual(actual, fromHex(hashHex)) ? { status: "approved" } : { status: "wrong" };
  }
}
