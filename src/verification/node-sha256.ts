// Node only: the hash our codes are kept as, through node:crypto, synchronous. Web Crypto's digest, on Node, goes
// through its argument checks and the thread pool and back: ~100 us of CPU per hash in a whole sign-up's profile.
import { createHash } from "node:crypto";
import type { Sha256 } from "./code-hash.js";

export const nodeSha256: Sha256 = (data) => new Uint8Array(createHash("sha256").update(data).digest());
