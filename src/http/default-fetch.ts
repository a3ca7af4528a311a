/**
 * The runtime's fetch, looked up at each call rather than captured once: a test may replace globalThis.fetch after
 * a client was built, and on Workers fetch must be called unbound from its global (never as a method of ours).
 */
export const defaultFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);
