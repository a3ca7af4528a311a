// Throughput, latency and memory of POST /sms over real HTTP on a real SQLite file. Prints figures; asserts nothing.
// Run: npm run bench [-- phones messagesPerPhone]
import { FakeTwilio } from "../support/fake-twilio.js";
import { productionEnv, RunningService } from "../support/service.js";

const phones = Number(process.argv[2] ?? 200);
const perPhone = Number(process.argv[3] ?? 10);

const twilio = await FakeTwilio.start();
const app = await RunningService.start({ env: productionEnv(twilio.url) });
const script = (i: number) => ["SIGNUP", `user${i}@example.com`, "000000", "what?", "HELP"];

async function round(offset: number): Promise<number[]> {
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: phones }, async (_, p) => {
      const phone = `+1415${String(offset + p).padStart(7, "0")}`;
      for (let m = 0; m < perPhone; m += 1) {
        const started = performance.now();
        const result = await app.sms(phone, script(p)[m % 5]!);
        latencies.push(performance.now() - started);
        if (result.status !== 200) throw new Error(`status ${result.status}`);
      }
    }),
  );
  return latencies;
}

await round(9_000_000); // warm-up: JIT, SQLite page cache
global.gc?.();
const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const latencies = await round(0);
const seconds = (performance.now() - started) / 1000;
const rssAfter = process.memoryUsage().rss;
latencies.sort((a, b) => a - b);
const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);

console.log(`messages: ${latencies.length} (${phones} phones x ${perPhone}, phones in parallel, one phone's messages in order)`);
console.log(`throughput: ${(latencies.length / seconds).toFixed(0)} messages/s`);
console.log(`latency ms: p50 ${pct(0.5)}, p95 ${pct(0.95)}, p99 ${pct(0.99)}, max ${latencies.at(-1)!.toFixed(1)}`);
console.log(`rss MB: ${(rssBefore / 2 ** 20).toFixed(0)} before, ${(rssAfter / 2 ** 20).toFixed(0)} after`);
console.log(`busy phones after the run: ${app.service.engine.busyPhones}`);
await app.stop();
await twilio.close();
