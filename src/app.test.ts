import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { MemoryLogger } from "../test/support/service.js";
import { createApp } from "./app.js";

function appWith(route: (app: import("hono").Hono) => void) {
  const logger = new MemoryLogger();
  const app = createApp({
    engine: { handle: async () => ({ replies: [], duplicate: false }), apology: () => "Sorry." },
    logger,
    authToken: "token",
    publicUrl: "http://localhost:3000",
    checkHealth: async () => true,
    mount: route,
  });
  return { app, logger };
}

describe("the root error handler", () => {
  it("answers 500 to an unexpected error and logs it, so monitoring sees a bug as a bug", async () => {
    const { app, logger } = appWith((app) =>
      app.get("/boom", () => {
        throw new TypeError("undefined is not a function");
      }),
    );
    const response = await app.request("/boom");
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("Internal server error");
    expect(logger.entries).toMatchObject([
      { level: "error", message: "request failed", fields: { path: "/boom", err: { name: "TypeError" } } },
    ]);
  });

  it("lets an HTTPException answer its own response, unlogged", async () => {
    const { app, logger } = appWith((app) =>
      app.get("/teapot", () => {
        throw new HTTPException(418, { res: new Response("short and stout", { status: 418 }) });
      }),
    );
    const response = await app.request("/teapot");
    expect(response.status).toBe(418);
    expect(await response.text()).toBe("short and stout");
    expect(logger.entries).toEqual([]);
  });

  it("answers an unknown path with 404", async () => {
    const { app } = appWith(() => undefined);
    expect((await app.request("/nowhere")).status).toBe(404);
  });
});
