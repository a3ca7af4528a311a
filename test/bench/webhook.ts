// Throughput, latency and memory of POST /sms over real HTTP on a real SQLite file. Prints figures; asserts nothing.
// Run: npm run bench [-- phones messagesPerPhone]

import { Worker } from "node:worker_threads";
import { FakeTwilio } from "../support/fake-twilio.js";
import { PUBLIC_URL, productionEnv, RunningService } from "../support/service.js";

const phones = Number(process.argv[2] ?? 200);
const perPhone = Number(process.argv[3] ?? 10);

const twilio = await FakeTwilio.start();
const app = await RunningService.start({ env: productionEnv(twilio.url) });

/** One round of load from a worker thread: the service's event loop serves, it does not also generate load. */
function round(offset: number): Promise<{ latencies: number[]; seconds: number }> {
  const worker = new Worker(new URL("./load-client.mjs", import.meta.url), {
    workerData: {
      url: app.url,
      publicUrl: PUBLIC_URL,
      authToken: app.config.twilio.authToken,
      phones,
      perPhone,
      offset,
    },
  });
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

await round(9_000_000); // warm-up: JIT, SQLite page cache
global.gc?.();
const rssBefore = process.memoryUsage().rss;
const { latencies, seconds } = await round(0);
const rssAfter = process.memoryUsage().rss;
latencies.sort((a, b) => a - b);
const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);

console.log(
  `messages: ${latencies.length} (${phones} phones x ${perPhone}, phones in parallel, one phone's messages in order; load from a worker thread)`,
);
console.log(`throughput: ${(latencies.length / seconds).toFixed(0)} messages/s`);
console.log(`latency ms: p50 ${pct(0.5)}, p95 ${pct(0.95)}, p99 ${pct(0.99)}, max ${latencies.at(-1)!.toFixed(1)}`);
console.log(`rss MB: ${(rssBefore / 2 ** 20).toFixed(0)} before, ${(rssAfter / 2 ** 20).toFixed(0)} after`);
console.log(`busy phones after the run: ${app.service.engine.busyPhones}`);
await app.stop();
await twilio.close();
