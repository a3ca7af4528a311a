import { connect, createServer, type Server, type Socket } from "node:net";
import { freshPostgresUrl } from "./databases.js";

/**
 * A TCP proxy in front of a database, so a test can make the database go away and come back (every connection
 * reset, new ones refused) without touching the server other tests share.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private up = true;
  private swallowing = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /**
   * A fresh PostgreSQL database (test/support/databases.ts) reached through a new proxy: `url` goes through it,
   * `directUrl` does not.
   */
  static async forFreshPostgres(): Promise<{ proxy: TcpProxy; url: string; directUrl: string }> {
    const directUrl = await freshPostgresUrl();
    const direct = new URL(directUrl);
    const proxy = await TcpProxy.start(direct.hostname, Number(direct.port || 5432));
    const viaProxy = new URL(directUrl);
    viaProxy.port = String(proxy.port);
    return { proxy, url: viaProxy.toString(), directUrl };
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      if (!proxy?.up) {
        client.destroy();
        return;
      }
      const upstream = connect({ host: targetHost, port: targetPort });
      for (const socket of [client, upstream]) {
        proxy.sockets.add(socket);
        socket.on("close", () => proxy?.sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      // Bytes go across unless the proxy swallows them: then the connection stays open and nothing arrives.
      client.on("data", (chunk) => {
        if (!proxy?.swallowing) upstream.write(chunk);
      });
      upstream.on("data", (chunk) => {
        if (!proxy?.swallowing) client.write(chunk);
      });
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("proxy has no port");
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  /** The database is gone: every connection is reset, new ones are closed at once. */
  cut(): void {
    this.up = false;
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  /**
   * The database stops answering without closing anything (a host that hangs, a network that drops packets):
   * connections stay open, new ones are accepted, and every byte either way is lost.
   */
  swallow(): void {
    this.swallowing = true;
  }

  /** The database is back. After swallowing, the connections it held are gone (reset), as after a long partition. */
  restore(): void {
    if (this.swallowing) for (const socket of this.sockets) socket.resetAndDestroy();
    this.swallowing = false;
    this.up = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
