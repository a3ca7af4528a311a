import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { LIVE_SCRIPT } from "./live-script.js";

export interface LayoutProps {
  title: string;
  nonce: string;
  /** The server-sent events this page listens to for its live regions (see live.ts). */
  liveUrl?: string | undefined;
  signedIn?: { csrf: string };
  /** More in <head>: a page's own stylesheet or script, with the nonce. */
  head?: Child;
  children?: Child;
}

// A few rules inline: the pages need no build step and no second request. Colours meet WCAG 2.2 AA: text 4.5:1,
// borders of inputs and buttons 3:1 against their background.
const STYLE = `
*{box-sizing:border-box}html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2433;background:#f4f6fa}
a{color:#1f4bb8}a:focus-visible,button:focus-visible,summary:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #1f4bb8;outline-offset:2px}
.skip{position:absolute;left:8px;top:-48px;background:#fff;color:#1d2433;padding:8px 12px;border-radius:6px;z-index:10}.skip:focus{top:8px}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:8px 20px;padding:10px 24px;background:#1d2433;color:#fff}
header.top a{color:#fff;text-decoration:none}header.top a.brand{font-weight:600;margin-right:8px}header.top a[aria-current]{text-decoration:underline;text-underline-offset:4px}
header.top nav ul{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;margin:0;padding:0}header.top form{margin-left:auto}
main{padding:20px 24px;max-width:1280px;margin:0 auto}h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:0 0 10px}
.card{background:#fff;border:1px solid #d5dbe7;border-radius:8px;padding:14px 16px;margin-bottom:16px;min-width:0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e7ef;vertical-align:top}
th{font-size:13px;color:#4a5468;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:13px;background:#e8ecf5;color:#2b3650}
.badge.verified{background:#d9f5e3;color:#145c32}.badge.awaitingCode,.badge.awaitingEmail{background:#fff1d6;color:#754c00}.badge.out{background:#fde2e2;color:#8f1a1a}
code.machine-name{font-size:12px;color:#4a5468}
form.filters{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:end}label{display:flex;flex-direction:column;font-size:13px;color:#3f4960;gap:2px}
input,select,button,.button{font:inherit;padding:6px 10px;border:1px solid #6b7488;border-radius:6px;background:#fff;color:#1d2433}
button,.button{cursor:pointer;background:#1f4bb8;color:#fff;border-color:#1f4bb8;text-decoration:none;display:inline-block;line-height:1.3}
button.danger,.button.danger{background:#b3261e;border-color:#b3261e}button.plain,.button.plain{background:#fff;color:#1d2433;border-color:#6b7488}
.grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px}@media (max-width:900px){.grid{grid-template-columns:minmax(0,1fr)}}
.chat{display:flex;flex-direction:column;gap:8px;max-height:640px;overflow:auto;padding:4px;overflow-anchor:none}
.bubble{position:relative;max-width:78%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}
.bubble.in{align-self:flex-start;background:#eef1f6;border-bottom-left-radius:4px}.bubble.out{align-self:flex-end;background:#1f4bb8;color:#fff;border-bottom-right-radius:4px}
.meta{display:block;font-size:12px;margin-top:3px;color:#3f4960}.bubble.out .meta{text-align:right;color:#eef2ff}
ol.timeline{list-style:none;margin:0;padding:0}ol.timeline li{border-left:3px solid #8d96a8;padding:4px 0 8px 12px}
ol.timeline li.operator{border-left-color:#b3261e}ol.timeline .when{display:block;font-size:12px;color:#4a5468}
.event{font-family:ui-monospace,monospace;font-size:12px;background:#eef1f6;padding:0 4px;border-radius:4px}
dl.kv{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 12px;margin:0}dl.kv dt{color:#4a5468}dl.kv dd{margin:0;overflow-wrap:anywhere}
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start}
details.confirm summary{list-style:none}details.confirm summary::-webkit-details-marker{display:none}
details.confirm[open] .confirm-box{margin-top:8px;padding:10px 12px;border:1px solid #e3a3a3;background:#fff6f6;border-radius:6px;max-width:36rem}
.confirm-box form{display:flex;flex-wrap:wrap;gap:8px}
.notice{padding:8px 12px;border-radius:6px;background:#e6f4ea;border:1px solid #9fd2b0;margin:0 0 12px}.error{background:#fdecea;border-color:#e8a7a3}
.narrow{max-width:420px;margin:40px auto}.spaced{margin-top:10px}.muted{color:#4a5468}.pager{display:flex;flex-wrap:wrap;gap:8px;justify-content:space-between;margin-top:10px}
.live{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin:0 0 12px}.live .muted{font-size:13px}
.funnel svg{max-width:540px;display:block}.diagram{overflow-x:auto}.diagram svg{min-width:880px}svg text{font-family:system-ui,sans-serif}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:640px){
  header.top,main{padding-left:12px;padding-right:12px}
  table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
  table.cards tr{border:1px solid #d5dbe7;border-radius:8px;margin-bottom:10px;padding:6px 4px}
  table.cards td{border:0;padding:3px 8px}table.cards td[data-label]::before{content:attr(data-label);display:block;font-size:12px;color:#4a5468}
  .bubble{max-width:92%}
}
`;

export function Layout({ title, nonce, liveUrl, signedIn, head, children }: LayoutProps) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${title} · sms-signup operators`}</title>
          {/* raw() only for these constants: JSX would escape the quotes and && that CSS and JS need. */}
          <style nonce={nonce}>{raw(STYLE)}</style>
          <script nonce={nonce} defer>
            {raw(LIVE_SCRIPT)}
          </script>
          {head}
        </head>
        <body data-live={liveUrl}>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="top">
            <a class="brand" href="/admin">
              sms-signup · operators
            </a>
            {signedIn ? (
              <>
                <nav aria-label="Operator pages">
                  <ul>
                    <li>
                      <a href="/admin">Conversations</a>
                    </li>
                    <li>
                      <a href="/admin/erasures">Erasures</a>
                    </li>
                    <li>
                      <a href="/admin/api-reference">API reference</a>
                    </li>
                  </ul>
                </nav>
                <form method="post" action="/admin/logout">
                  <input type="hidden" name="_csrf" value={signedIn.csrf} />
                  <button class="plain" type="submit">
                    Sign out
                  </button>
                </form>
                <form method="post" action="/admin/logout-everywhere">
                  <input type="hidden" name="_csrf" value={signedIn.csrf} />
                  <button class="plain" type="submit">
                    Sign out everywhere
                  </button>
                </form>
              </>
            ) : null}
          </header>
          <main id="main" tabindex={-1}>
            {children}
          </main>
        </body>
      </html>
    </>
  );
}

export const conversationHref = (phone: string) => `/admin/conversations/${encodeURIComponent(phone)}`;
