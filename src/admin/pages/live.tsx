import type { Context } from "hono";
import { raw } from "hono/html";
import { streamSSE } from "hono/streaming";

/** Named pieces of a page, as HTML: the page renders them, and the event stream sends those that changed. */
export type Regions = Record<string, string>;

/** How often an open page's regions are rendered again to look for news (one set of queries per open page). */
export const LIVE_INTERVAL_MS = 1_500;
/** A quiet stream still sends a comment this often: the server closes sockets idle for 15 s. */
const HEARTBEAT_MS = 10_000;

/** A short digest of what a page showed, so its stream sends nothing until something changes. */
export async function fingerprint(regions: Regions): Promise<string> {
  const text = Object.keys(regions)
    .sort()
    .map((name) => `${name}\u0000${regions[name]}`)
    .join("\u0001");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest.subarray(0, 12), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The page's live address: its stream, with the digest of what it was rendered with. */
export const liveHref = (streamPath: string, query: URLSearchParams, version: string) => {
  const params = new URLSearchParams(query);
  params.set("v", version);
  return `${streamPath}?${params.toString()}`;
};

export interface LiveSource {
  /** The page's regions now, or what to say when the page's subject is gone (an erased conversation). */
  regions: () => Promise<{ regions: Regions } | { gone: string }>;
  /** False once the operator's session has ended: the stream says so and stops. */
  signedIn: () => Promise<boolean>;
}

/**
 * Server-sent events for one open page: every LIVE_INTERVAL_MS the regions are rendered again, and those that
 * differ from what the page shows go out as one `regions` event. The browser reconnects by itself after a drop.
 */
export function liveStream(c: Context, source: LiveSource, stopping?: AbortSignal, intervalMs = LIVE_INTERVAL_MS) {
  c.header("Cache-Control", "no-store");
  return streamSSE(c, async (stream) => {
    let shown: Regions | null = null;
    let lastWrite = Date.now();
    const renderedWith = c.req.query("v");
    while (!stream.aborted && !stream.closed && !stopping?.aborted) {
      if (!(await source.signedIn())) {
        await stream.writeSSE({ event: "signedOut", data: "" });
        break;
      }
      const now = await source.regions();
      if ("gone" in now) {
        await stream.writeSSE({ event: "gone", data: now.gone });
        break;
      }
      const { regions } = now;
      if (shown === null) {
        if ((await fingerprint(regions)) !== renderedWith) {
          await stream.writeSSE({ event: "regions", data: JSON.stringify(regions) });
          lastWrite = Date.now();
        }
      } else {
        const before = shown;
        const changed = Object.fromEntries(Object.entries(regions).filter(([name, html]) => before[name] !== html));
        if (Object.keys(changed).length > 0) {
          await stream.writeSSE({ event: "regions", data: JSON.stringify(changed) });
          lastWrite = Date.now();
        }
      }
      if (Date.now() - lastWrite >= HEARTBEAT_MS) {
        await stream.write(": still here\n\n");
        lastWrite = Date.now();
      }
      shown = regions;
      await pause(intervalMs, stopping);
    }
  });
}

/** Waits, or less if the service is stopping. */
function pause(ms: number, stopping: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    stopping?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      stopping?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** The pause control and what the live updates are doing; hidden until the script runs (no script, no control). */
export function LiveBar() {
  return (
    <div class="live">
      <button type="button" class="plain" id="live-pause" aria-pressed="false" hidden>
        Pause live updates
      </button>
      <span class="muted" id="live-status" role="status">
        Reload the page to see new activity.
      </span>
    </div>
  );
}

/** A region of a page: rendered once by the page, replaced in place by the stream. */
export function Region({
  name,
  html,
  as = "div",
  ...rest
}: { name: string; html: string; as?: "div" | "tbody" } & Record<string, unknown>) {
  if (as === "tbody")
    return (
      <tbody data-region={name} {...rest}>
        {raw(html)}
      </tbody>
    );
  return (
    <div data-region={name} {...rest}>
      {raw(html)}
    </div>
  );
}

/** A JSX fragment as the HTML string a region holds. */
export async function html(node: unknown): Promise<string> {
  // A list of elements renders each in turn (an array's own toString would put commas between them).
  if (Array.isArray(node)) return (await Promise.all(node.map(html))).join("");
  return String(await (node as { toString(): string | Promise<string> }).toString());
}
