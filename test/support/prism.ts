import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.js";

/**
 * Twilio's OpenAPI files live beside the repository (../shared/twilio-oai) in CI and on the team's machines, not
 * in it. Returns the directory, or null where it is absent.
 */
export function twilioOaiDir(): string | null {
  const candidates = [
    // A git worktree sits one level deeper than the clone: its runs say where the files are.
    ...(process.env.TWILIO_OAI_DIR ? [resolve(process.env.TWILIO_OAI_DIR)] : []),
    fileURLToPath(new URL("../../../shared/twilio-oai/", import.meta.url)),
    resolve(process.cwd(), "..", "shared", "twilio-oai"),
  ];
  return (
    candidates.find((dir) =>
      ["twilio_api_v2010.json", "twilio_verify_v2.json", "twilio_lookups_v2.json"].every((file) =>
        existsSync(join(dir, file)),
      ),
    ) ?? null
  );
}

export interface PrismServer {
  url: string;
  stop(): Promise<void>;
}

/** `prism mock` on 127.0.0.1 for one OpenAPI file; resolves once it listens (about 20 s for the big API file). */
export async function startPrism(specFile: string, startTimeoutMs = 90_000): Promise<PrismServer> {
  const port = await freePort();
  const bin = resolve(process.cwd(), "node_modules", ".bin", "prism");
  const child: ChildProcess = spawn(bin, ["mock", "-h", "127.0.0.1", "-p", String(port), specFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolveStart, reject) => {
    const timer = setTimeout(() => fail(new Error(`Prism did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`${error.message}\n${output.slice(-2000)}`));
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.includes("Prism is listening")) {
        clearTimeout(timer);
        resolveStart();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`Prism exited with ${code}`)));
  });
  // Only the "listening" line was needed; keep draining so a full pipe never blocks Prism.
  child.removeAllListeners("exit");
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once("exit", () => resolveStop());
        child.kill();
      }),
  };
}
