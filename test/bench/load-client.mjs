// The load generator for test/bench/webhook.ts, in its own thread so it does not share the service's event loop.
// Plain JavaScript: worker threads do not go through tsx.
import { parentPort, workerData } from "node:worker_threads";
import twilio from "twilio";

const { url, publicUrl, authToken, phones, perPhone, offset } = workerData;
const script = (i) => ["SIGNUP", `user${i}@example.com`, "000000", "what?", "HELP"];
let sid = 0;
const latencies = [];
const started = performance.now();
await Promise.all(
  Array.from({ length: phones }, async (_, p) => {
    const phone = `+1415${String(offset + p).padStart(7, "0")}`;
    for (let m = 0; m < perPhone; m += 1) {
      sid += 1;
      const params = {
        MessageSid: `SM${String(offset).padStart(8, "0")}${String(sid).padStart(24, "0")}`,
        From: phone,
        To: "+15005550006",
        Body: script(p)[m % 5],
      };
      const signature = twilio.getExpectedTwilioSignature(authToken, `${publicUrl}/sms`, params);
      const t = performance.now();
      const response = await fetch(`${url}/sms`, {
        method: "POST",
        headers: { "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(params),
      });
      await response.text();
      latencies.push(performance.now() - t);
      if (response.status !== 200) throw new Error(`status ${response.status}`);
    }
  }),
);
parentPort.postMessage({ latencies, seconds: (performance.now() - started) / 1000 });
