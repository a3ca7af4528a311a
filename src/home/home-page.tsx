import type { Hono } from "hono";
import { raw } from "hono/html";

export interface HomeParts {
  /** The project's README, served at /readme when the entry could read it. */
  readme?: string | undefined;
  localMode: boolean;
}

const STYLE = `body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2433;background:#f4f6fa}
main{max-width:40rem;margin:0 auto;padding:2rem 1.25rem}h1{font-size:1.6rem;margin:0 0 .5rem}
ul{padding-left:1.25rem}li{margin:.35rem 0}a{color:#1f4bb8}code{background:#e8ecf5;padding:0 .25rem;border-radius:4px}`;

/** GET /: what this service is, for whoever opens its address in a browser, with the ways on from here. */
export function mountHome(app: Hono, parts: HomeParts): void {
  app.get("/", (c) => {
    c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'");
    return c.html(
      <>
        {raw("<!DOCTYPE html>")}
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>sms-signup</title>
            <style>{raw(STYLE)}</style>
          </head>
          <body>
            <main>
              <h1>sms-signup</h1>
              <p>
                People sign up for a service by text message alone: they text <strong>SIGNUP</strong>, reply with their
                email and the code they get by SMS. Twilio delivers their messages to <code>POST /sms</code> on this
                service.
              </p>
              {parts.localMode ? (
                <p>
                  This one runs in <strong>local mode</strong> (no Twilio account): try it from a terminal with{" "}
                  <code>npm run chat -- +15551234567</code>.
                </p>
              ) : null}
              <ul>
                <li>
                  <a href="/admin">Operator pages</a>: conversations, the sign-up funnel, reset and erase (needs
                  ADMIN_TOKEN)
                </li>
                <li>
                  <a href="/healthz">Health</a>: whether the service and its database answer
                </li>
                {parts.readme === undefined ? null : (
                  <li>
                    <a href="/readme">README</a>: how to run, configure and operate it
                  </li>
                )}
              </ul>
            </main>
          </body>
        </html>
      </>,
    );
  });
  const readme = parts.readme;
  if (readme !== undefined)
    app.get("/readme", (c) => c.text(readme, 200, { "Content-Type": "text/markdown; charset=utf-8" }));
}
