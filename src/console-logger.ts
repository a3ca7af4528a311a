import type { Logger } from "./conversation/ports.js";

/** Fields whose values never reach a log, at any depth (tokens, passwords, one-time codes). */
export const SECRET_FIELDS = ["authToken", "password", "authorization", "code"] as const;

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
type Level = "debug" | "info" | "warn" | "error";

/**
 * JSON lines on the console, for runtimes without pino (Workers, where the console is what `wrangler tail` and
 * Workers Logs read). Same levels and redaction as the Node logger.
 */
export function createConsoleLogger(level: string, write: (line: string) => void = console.log): Logger {
  const threshold = Math.max(0, LEVELS.indexOf(level as (typeof LEVELS)[number]));
  const log = (at: Level) => (fields: object, message: string) => {
    if (LEVELS.indexOf(at) < threshold) return;
    write(JSON.stringify({ level: at, time: Date.now(), ...redact(fields), msg: message }));
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

const secret = new Set<string>(SECRET_FIELDS);

function redact(value: object): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(value, (key, field: unknown) => {
      if (secret.has(key)) return "[redacted]";
      if (field instanceof Error) return { type: field.name, message: field.message };
      return field;
    }),
  );
}
