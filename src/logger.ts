import pino from "pino";
import pretty from "pino-pretty";
import { SECRET_FIELDS } from "./console-logger.js";
import type { Logger } from "./conversation/ports.js";

/**
 * JSON logs on stdout (pino: fast, structured, the usual choice for Node services). Secrets are redacted by key
 * wherever they would appear. `pretty` (a person at a terminal) prints the same records as readable lines.
 */
export function createLogger(
  level: string,
  { destination, pretty: readable = false }: { destination?: pino.DestinationStream; pretty?: boolean } = {},
): Logger {
  destination ??= readable
    ? pretty({ colorize: true, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname", sync: true })
    : undefined;
  const redacting = pino(
    {
      level,
      redact: {
        paths: SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
        censor: "[redacted]",
      },
    },
    destination,
  );
  // Redaction cost 4 of a line's 5 us: with a `*.field` path every value, strings too, goes through the redactor.
  // A record it could not change (flat, no secret key) goes through the same pino without it, into the same stream
  // (so lines keep their order), and reads the same: see plainly.
  const stream = (redacting as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  const plain = pino({ level }, stream);
  const log = (fields: object, message: string) => (plainly(fields, message) ? plain : redacting);
  return {
    debug: (fields, message) => log(fields, message).debug(fields, message),
    info: (fields, message) => log(fields, message).info(fields, message),
    warn: (fields, message) => log(fields, message).warn(fields, message),
    error: (fields, message) => log(fields, message).error(fields, message),
  };
}

const secret = new Set<string>(SECRET_FIELDS);
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * True when redaction would leave the record's line as it is without it: no secret key, every value a string, a
 * number, a boolean or undefined. The redactor writes a string with JSON.stringify, pino alone with its own quoting,
 * and the two differ only on lone surrogates: a string with any surrogate goes the redacting way (logger.test.ts).
 */
export function plainly(fields: object, message: string): boolean {
  if (typeof message !== "string" || SURROGATE.test(message)) return false;
  for (const key in fields) {
    if (secret.has(key)) return false;
    const value: unknown = (fields as Record<string, unknown>)[key];
    switch (typeof value) {
      case "string":
        if (SURROGATE.test(value)) return false;
        break;
      case "number":
      case "boolean":
      case "undefined":
        break;
      default:
        return false;
    }
  }
  return true;
}
