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
  const logger = pino(
    {
      level,
      redact: {
        paths: SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
        censor: "[redacted]",
      },
    },
    destination,
  );
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
  };
}
