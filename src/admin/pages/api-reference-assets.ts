// Node only (reads files): the entry hands these to the pages, so the Workers entry can bring its own or none.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ApiReferenceAssets } from "./api-reference.js";

export function readApiReferenceAssets(): ApiReferenceAssets | undefined {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
    return {
      css: readFileSync(join(dir, "swagger-ui.css"), "utf8"),
      js: readFileSync(join(dir, "swagger-ui-bundle.js"), "utf8"),
    };
  } catch {
    return undefined;
  }
}
