import fc from "fast-check";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SECRET_FIELDS } from "./console-logger.js";
import { createLogger } from "./logger.js";

// The Node logger skips pino's redaction where it could change nothing; every line must read as the redacting pino
// alone writes it, whatever the record.
function capture() {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => lines.push(line) } };
}

function reference(level: string, stream: pino.DestinationStream) {
  const paths = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]);
  return pino({ level, redact: { paths, censor: "[redacted]" } }, stream);
}

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom('say "hi"\\', "line\nbreak\t", "\u0000\u001f\u007f", "\uD800", "a\uDC00b", "😀", "x".repeat(120)),
);
const scalar = fc.oneof(
  text,
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21, true, false, undefined, null),
  fc.integer(),
);
const key = fc.oneof(
  fc.constantFrom(...SECRET_FIELDS, "msg", "level", "time", "err", "phone", "__proto__x"),
  fc.string(),
);
const value = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.dictionary(key, scalar, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: text.map((message) => new Error(message)) },
);
const record = fc.tuple(fc.dictionary(key, value, { maxKeys: 8 }), text);

describe("createLogger", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-07T12:00:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each(["debug", "info", "warn"])("writes at %s what the redacting pino writes, line for line", (level) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("debug", "info", "warn", "error"), record), { maxLength: 6 }),
        (calls) => {
          const ours = capture();
          const theirs = capture();
          const logger = createLogger(level, { destination: ours.stream });
          const expected = reference(level, theirs.stream);
          for (const [at, [fields, message]] of calls) {
            logger[at as "debug" | "info" | "warn" | "error"](fields, message);
            expected[at as "debug" | "info" | "warn" | "error"](fields, message);
          }
          expect(ours.lines).toEqual(theirs.lines);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("redacts secrets at the top and one level down", () => {
    const { lines, stream } = capture();
    createLogger("info", { destination: stream }).info(
      { code: "123456", provider: { authToken: "t", name: "verify" }, phone: "+1•••0123" },
      "sent",
    );
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      code: "[redacted]",
      provider: { authToken: "[redacted]", name: "verify" },
      phone: "+1•••0123",
      msg: "sent",
    });
  });
});
