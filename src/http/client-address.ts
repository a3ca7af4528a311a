// The address a request came from, on any runtime, for limits kept per client. Behind a proxy every request has the
// proxy's address: the limit then holds for all clients together, which is safe (a guesser cannot get around it).
import type { Context } from "hono";

export function clientAddress(c: Context): string {
  // @hono/node-server hands the Node request over as env.incoming; Cloudflare names the client in a header it sets.
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? c.req.header("cf-connecting-ip") ?? "unknown";
}
