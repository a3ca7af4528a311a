// SQLite's WAL checkpoints, off the event loop. By default the connection that commits copies the WAL back into the
// database file whenever the WAL passes 1,000 pages, inside that commit, with two fsyncs: every hundred or so turns
// one of them stalled the event loop for tens of milliseconds, and the checkpoints were most of a commit's wall time.
// Here a worker thread with a connection of its own checkpoints instead, beside the turns (WAL lets a checkpoint run
// while another connection writes), and the turns' connection never does.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type BetterSqlite3 from "better-sqlite3";

/** How often the worker looks for WAL pages to copy back; a look with nothing to do costs microseconds. */
const CHECKPOINT_EVERY_MS = 100;

/** SQLite's own default, restored on the turns' connection if the worker cannot run. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;

// Plain CommonJS evaluated in the worker: the bundle (dist/node.js) has no worker file to point at.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 5000");
// PASSIVE never waits for the writer: it copies what it can, and the next look copies the rest.
const checkpoint = db.prepare("pragma wal_checkpoint(passive)");
const timer = setInterval(() => checkpoint.run(), workerData.everyMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  process.exit(0);
});
`;

export class WalCheckpointer {
  private constructor(private readonly worker: Worker) {}

  /** Takes checkpoints over from `sqlite`'s own commits, for the file at `path`. */
  static start(
    sqlite: BetterSqlite3.Database,
    path: string,
    onError: (error: Error) => void,
    /** Where the worker loads better-sqlite3 from: this process's own copy. */
    driver = createRequire(import.meta.url).resolve("better-sqlite3"),
  ): WalCheckpointer {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, path, everyMs: CHECKPOINT_EVERY_MS },
    });
    sqlite.pragma("wal_autocheckpoint = 0");
    worker.once("error", (error) => {
      // Without the worker the WAL would grow without end: the commits checkpoint again, as SQLite does by default.
      if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
      onError(error);
    });
    // It must not keep a process alive that is otherwise done.
    worker.unref();
    return new WalCheckpointer(worker);
  }

  /** Stops the worker; the last connection to close checkpoints what is left (SQLite does that on close). */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.worker.once("exit", resolve));
    // Waited for: an unreferenced worker would let the process end (a script's top-level await unsettled) first.
    this.worker.ref();
    this.worker.postMessage("stop");
    await exited;
  }

  private get exited(): boolean {
    return this.worker.threadId === -1;
  }
}
