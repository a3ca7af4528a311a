// The load generator of test/bench/webhook.ts, in a worker thread so it does not share the server's event loop.
// Plain JavaScript: worker threads do not go through tsx.
//   mode "fixed": the given messages, signed before the clock starts, `concurrency` in flight.
//   mode "signup": `phones` phones at once, each texting SIGNUP, an email, then the code (asked of the parent).
import { parentPort, workerData } from "node:worker_threads";
import twilio from "twilio";

const { mode, targets, publicUrl, authToken, concurrency } = workerData;

function signed(params) {
  return {
    params,
    signature: twilio.getExpectedTwilioSignature(authToken, `${publicUrl}/sms`, params),
  };
}

let next = 0;
async function post(request) {
  const url = targets[next++ % targets.length];
  const started = performance.now();
  const response = await fetch(`${url}/sms`, {
    method: "POST",
    headers: { "X-Twilio-Signature": request.signature, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(request.params),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`status ${response.status}: ${text}`);
  return performance.now() - started;
}

const sid = (prefix, n) => `SM${prefix}${String(n).padStart(32 - prefix.length, "0")}`;

async function fixed() {
  const requests = workerData.messages.map((m) => signed(m));
  const latencies = [];
  let index = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (index < requests.length) latencies.push(await post(requests[index++]));
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

const codes = new Map();
parentPort.on("message", (message) => codes.get(message.phone)?.(message.code));
const codeOf = (phone) =>
  new Promise((resolve) => {
    codes.set(phone, resolve);
    parentPort.postMessage({ codeFor: phone });
  });

async function signup() {
  const { phones, offset, prefix } = workerData;
  const latencies = [];
  let n = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: phones }, async (_, p) => {
      // Valid US numbers (415-2xx-…): the send guard refuses codes to numbers that do not exist.
      const phone = `+1415${String(2_000_000 + (offset % 1_000_000) + p)}`;
      const text = async (Body) => {
        n += 1;
        latencies.push(await post(signed({ MessageSid: sid(prefix, n), From: phone, To: "+15005550006", Body })));
      };
      await text("SIGNUP");
      await text(`bench${offset + p}@example.com`);
      await text(await codeOf(phone));
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

parentPort.postMessage({ done: await (mode === "fixed" ? fixed() : signup()) });
process.exit(0);
