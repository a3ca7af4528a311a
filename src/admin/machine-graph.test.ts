import { describe, expect, it } from "vitest";
import { machineGraph } from "./machine-graph.js";

describe("machineGraph", () => {
  it("reads every state and move from the machine's definition", () => {
    const graph = machineGraph();
    expect(graph.states.map((s) => s.name)).toEqual([
      "new",
      "awaitingEmail",
      "checkingEmail",
      "sendingCode",
      "awaitingCode",
      "checkingCode",
      "sendingEmailCode",
      "awaitingEmailCode",
      "checkingEmailCode",
      "verified",
    ]);
    expect(graph.states.filter((s) => s.resting).map((s) => s.name)).toEqual([
      "new",
      "awaitingEmail",
      "awaitingCode",
      "awaitingEmailCode",
      "verified",
    ]);
    expect(graph.states.find((s) => s.name === "sendingCode")?.invokes).toBe("sendCode");
    const edge = (from: string, to: string) => graph.edges.find((e) => e.from === from && e.to === to)?.events;
    expect(edge("new", "awaitingEmail")).toEqual(["SIGNUP"]);
    expect(edge("awaitingCode", "sendingCode")).toEqual(["RESEND", "CALL"]);
    expect(edge("checkingCode", "verified")).toEqual(["checkCode done"]);
    // The email step (EMAIL_VERIFICATION=code) is drawn too.
    expect(edge("checkingCode", "sendingEmailCode")).toEqual(["checkCode done"]);
    expect(edge("awaitingEmailCode", "sendingEmailCode")).toEqual(["RESEND", "TEXT"]);
    expect(edge("checkingEmailCode", "verified")).toEqual(["checkEmailCode done"]);
    // The sign-up in progress is one parent state: its idle timeout and SIGNUP are drawn once, from its frame.
    const inProgress = graph.states.map((s) => s.name).filter((name) => name !== "new" && name !== "verified");
    expect(graph.groups).toEqual([{ name: "signingUp", states: inProgress }]);
    expect(graph.states.find((s) => s.name === "awaitingCode")?.group).toBe("signingUp");
    expect(edge("signingUp", "new")).toEqual(["idle timeout"]);
    expect(edge("signingUp", "awaitingEmail")).toEqual(["SIGNUP"]);
    expect(edge("awaitingCode", "new")).toBeUndefined();
    expect(graph.edges.every((e) => e.from !== e.to)).toBe(true);
    expect(graph.global).toEqual([{ from: "*", to: "new", events: ["RESET"] }]);
  });
});
