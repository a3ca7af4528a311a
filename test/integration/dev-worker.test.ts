import { describe, expect, it } from "vitest";
import { localModeEnv, RunningProcess } from "../support/process.js";

describe("npm run dev:worker", () => {
  it("refuses to start on a bad setting, naming it, as npm start does", async () => {
    const child = RunningProcess.start("npm", ["run", "--silent", "dev:worker"], localModeEnv({ PORT: "eighty" }));
    expect(await child.exited).toBe(1);
    expect(child.stderr).toContain("Invalid configuration:\n  PORT: must be a whole number from 0 to 65535");
  });
});
