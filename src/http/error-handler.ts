import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "../conversation/ports.js";

/**
 * How a Hono app answers a thrown error. An HTTPException is a refusal a middleware meant (a bad Origin: 403, a body
 * too large: 413) and answers its own response. Anything else is a bug: logged, and a 500 that monitoring counts,
 * never passed off as the client's fault.
 */
export function answerErrors(logger: Logger, failed: string, internalError: (c: Context) => Response): ErrorHandler {
  return (error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    logger.error({ err: error, path: c.req.path }, failed);
    return internalError(c);
  };
}
