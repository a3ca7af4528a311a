import pino from "pino";
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
        paths: ["authToken", "*.authToken", "password", "*.password", "headers.authorization", "code", "*.code"],
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
