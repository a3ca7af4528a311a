import { readFileSync } from "node:fs";
import { ConfigError } from "../config.js";
import { BUILT_IN_CATALOGS, CatalogError, type Catalogs, withOverrides } from "./catalog.js";

/** Reads MESSAGES_FILE (Node only) and lays it over the built-in catalogs; any problem stops the start, named. */
export function loadCatalogs(path: string | undefined): Catalogs {
  if (!path) return BUILT_IN_CATALOGS;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`Invalid configuration:\n  MESSAGES_FILE: cannot read ${path} as JSON: ${reason}`);
  }
  try {
    return withOverrides(json);
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    const lines = error.message.split("\n").map((line) => `  MESSAGES_FILE ${path}: ${line}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
}
