// The Node HTTP server with limits on every connection: a client that trickles its request or holds a socket open
// must not hold it for long, and no number of them may take every socket. Twilio sends a webhook whole and waits
// 15 s for the answer, so these limits never touch it.
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";

export interface ConnectionLimits {
  /** Time to receive a request's headers. */
  headersTimeoutMs: number;
  /** Time to receive the whole request, headers and body; a body trickled byte by byte ends here with a 408. */
  requestTimeoutMs: number;
  /** How long a kept-alive connection may wait for its next request. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way this long is closed (beyond the longest turn, 12 s). */
  idleTimeoutMs: number;
  /** Connections beyond this are closed at once. */
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 15_000,
  maxConnections: 1_000,
};

export interface ListenOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  port: number;
  hostname: string;
  limits?: Partial<ConnectionLimits>;
}

/** Starts listening; resolves with the server and the address it took (port 0 picks a free one). */
export function listen(options: ListenOptions): Promise<{ server: ServerType; address: AddressInfo }> {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: options.fetch,
        port: options.port,
        hostname: options.hostname,
        serverOptions: {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          // Node checks the two timeouts above only this often (30 s by default).
          connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
        },
      },
      (address) => resolve({ server, address }),
    );
    const http = server as ServerType & { maxConnections: number; setTimeout(ms: number): unknown };
    http.maxConnections = limits.maxConnections;
    http.setTimeout(limits.idleTimeoutMs);
    server.once("error", reject);
  });
}
