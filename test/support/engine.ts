import { DEFAULT_LIMITS, type SendCodeResult } from "../../machines/types.js";
import { ConversationEngine } from "../../src/conversation/engine.js";
import type { KeyedLock } from "../../src/conversation/keyed-lock.js";
import { InProcessPhoneSerializer } from "../../src/conversation/phone-serializer.js";
import { type ConversationStore, systemClock, type VerificationProvider } from "../../src/conversation/ports.js";
import { MessageRenderer } from "../../src/i18n/catalog.js";
import { MemoryLogger } from "./service.js";

/**
 * A local provider whose sendCode holds the turn in flight until the test calls `release`: `started` resolves once a
 * send has begun. Each send notes "send started" and "send finished" in `events`, when given. Codes are always wrong.
 */
export function gatedProvider(events?: string[]) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let sendStarted!: () => void;
  const started = new Promise<void>((resolve) => (sendStarted = resolve));
  const provider: VerificationProvider = {
    name: "local",
    checksRemotely: false,
    async sendCode(): Promise<SendCodeResult> {
      events?.push("send started");
      sendStarted();
      await gate;
      events?.push("send finished");
      return { status: "sent", ticket: "sha256:00:00" };
    },
    checkCode: async () => ({ status: "wrong" }),
  };
  return { provider, release, started };
}

/** The conversation engine alone over a store, its turns serialized in this process by `lock`, in English. */
export function engineOver(store: ConversationStore, provider: VerificationProvider, lock: KeyedLock) {
  return new ConversationEngine({
    serializer: new InProcessPhoneSerializer(store, lock),
    provider,
    clock: systemClock,
    logger: new MemoryLogger(),
    limits: DEFAULT_LIMITS,
    signupWords: ["SIGNUP"],
    renderer: new MessageRenderer(),
    defaultLanguage: "en",
  });
}
