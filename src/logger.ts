import pino from "pino";
import { SECRET_FIELDS } from "./console-logger.js";
import type { Logger } from "./conversation/ports.js";

/**
 * JSON logs on stdout (pino: fast, structured, the usual choice for Node services). Secrets are redacted by key
 * wherever they would appear.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
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
