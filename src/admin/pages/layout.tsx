import { raw } from "hono/html";
import type { Child } from "hono/jsx";

export interface LayoutProps {
  title: string;
  nonce: string;
  /** Reload every this many seconds while the page is open (skipped while a form is in use). */
  refreshSeconds?: number;
  signedIn?: { csrf: string };
  children?: Child;
}

// A few rules inline: the pages need no build step and no second request.
const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2433;background:#f4f6fa}
header.top{display:flex;align-items:center;gap:16px;padding:10px 24px;background:#1d2433;color:#fff}
header.top a{color:#fff;text-decoration:none;font-weight:600}header.top form{margin-left:auto}
main{padding:20px 24px;max-width:1280px;margin:0 auto}h1{font-size:20px;margin:0 0 12px}h2{font-size:15px;margin:0 0 10px}
.card{background:#fff;border:1px solid #dde3ee;border-radius:8px;padding:14px 16px;margin-bottom:16px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eef1f6;vertical-align:top}
th{font-size:12px;color:#5b6477;font-weight:600}tr:hover td{background:#f8faff}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#e8ecf5;color:#33405a}
.badge.verified{background:#d9f5e3;color:#17693a}.badge.awaitingCode,.badge.awaitingEmail{background:#fff1d6;color:#8a5a00}.badge.out{background:#fde2e2;color:#9b1c1c}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end}label{display:flex;flex-direction:column;font-size:12px;color:#5b6477;gap:2px}
input,select,button{font:inherit;padding:5px 8px;border:1px solid #c5cddb;border-radius:6px;background:#fff}
button{cursor:pointer;background:#2f5bd3;color:#fff;border-color:#2f5bd3}button.danger{background:#c62828;border-color:#c62828}button.plain{background:#fff;color:#1d2433;border-color:#c5cddb}
.grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px}@media (max-width:900px){.grid{grid-template-columns:1fr}}
.chat{display:flex;flex-direction:column;gap:8px;max-height:640px;overflow:auto;padding:4px}
.bubble{max-width:78%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;word-break:break-word}
.bubble.in{align-self:flex-start;background:#eef1f6;border-bottom-left-radius:4px}.bubble.out{align-self:flex-end;background:#2f5bd3;color:#fff;border-bottom-right-radius:4px}
.meta{display:block;font-size:11px;opacity:.75;margin-top:3px}.bubble.out .meta{text-align:right}
ol.timeline{list-style:none;margin:0;padding:0}ol.timeline li{border-left:3px solid #c5cddb;padding:4px 0 8px 12px;position:relative}
ol.timeline li.operator{border-left-color:#c62828}ol.timeline time{display:block;font-size:11px;color:#5b6477}
.arrow{color:#5b6477}.event{font-family:ui-monospace,monospace;font-size:12px;background:#f1f3f8;padding:0 4px;border-radius:4px}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0}dl.kv dt{color:#5b6477}dl.kv dd{margin:0}
details.confirm{display:inline-block;margin-right:8px}details.confirm summary{list-style:none;cursor:pointer;display:inline-block}details.confirm summary .badge{padding:4px 12px;font-size:13px;border:1px solid #c5cddb}
details.confirm[open] .confirm-box{margin-top:8px;padding:10px;border:1px solid #f0c8c8;background:#fff6f6;border-radius:6px}
.notice{padding:8px 12px;border-radius:6px;background:#e6f4ea;border:1px solid #b7dfc4;margin-bottom:12px}.error{background:#fdecea;border-color:#f5c2c0}
.narrow{max-width:420px;margin:40px auto}.spaced{margin-top:10px}.muted{color:#5b6477}.pager{display:flex;justify-content:space-between;margin-top:10px}svg text{font-family:system-ui,sans-serif}
`;

/** Reloads while nobody is mid-action: an open confirmation or a focused field would be lost. */
const REFRESH = (seconds: number) => `(function(){var ms=${seconds * 1000};function tick(){var a=document.activeElement;
if(document.hidden||document.querySelector("details[open]")||(a&&/^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName))){setTimeout(tick,ms);return}
location.reload()}setTimeout(tick,ms)})();`;

export function Layout({ title, nonce, refreshSeconds, signedIn, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · sms-signup operators`}</title>
        {/* raw() only for these constants: JSX would escape the quotes and && that CSS and JS need. */}
        <style nonce={nonce}>{raw(STYLE)}</style>
        {refreshSeconds ? <script nonce={nonce}>{raw(REFRESH(refreshSeconds))}</script> : null}
      </head>
      <body>
        <header class="top">
          <a href="/admin">sms-signup · operators</a>
          {signedIn ? (
            <form method="post" action="/admin/logout">
              <input type="hidden" name="_csrf" value={signedIn.csrf} />
              <button class="plain" type="submit">
                Sign out
              </button>
            </form>
          ) : null}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}

export const formatTime = (iso: string | null) =>
  iso === null ? "—" : iso.replace("T", " ").replace(/\.\d+Z$/, " UTC");
export const conversationHref = (phone: string) => `/admin/conversations/${encodeURIComponent(phone)}`;
