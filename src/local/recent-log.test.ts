import { describe, expect, it } from "vitest";
import { RecentLog } from "./recent-log.js";

describe("RecentLog", () => {
  it("numbers entries in order, keeps only the latest, and answers what came after a number", () => {
    const log = new RecentLog<{ id: number; to: string }>(3);
    for (const to of ["a", "b", "a", "b", "a"]) log.add({ id: log.next(), to });
    expect(log.after(0, () => true).map((entry) => entry.id)).toEqual([3, 4, 5]);
    expect(log.after(3, (entry) => entry.to === "a")).toEqual([{ id: 5, to: "a" }]);
    expect(log.after(5, () => true)).toEqual([]);
  });
});
