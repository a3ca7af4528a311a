// Base64 on plain Web APIs (btoa/atob), for MACs, signatures and opaque cursors.

export const base64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

/** URL- and cookie-safe: "-" and "_" for "+" and "/", no padding. */
export const base64url = (bytes: Uint8Array): string =>
  base64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Throws on text that is not base64 (atob's InvalidCharacterError). */
export const fromBase64url = (text: string): Uint8Array =>
  Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
