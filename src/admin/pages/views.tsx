import { MachineDiagram } from "../machine-diagram.js";
import { STATE_NAMES } from "../machine-graph.js";
import type { AdminQueries } from "../queries.js";
import { revealBidi } from "../visible-text.js";
import { conversationHref, formatTime } from "./layout.js";

type ConversationPage = Awaited<ReturnType<AdminQueries["listConversations"]>>;
type Detail = NonNullable<Awaited<ReturnType<AdminQueries["getConversation"]>>>;
type Stats = Awaited<ReturnType<AdminQueries["stats"]>>;

export function LoginView({ error, disabled }: { error?: string; disabled?: boolean }) {
  return (
    <div class="card narrow">
      <h1>Sign in</h1>
      {disabled ? (
        <p class="notice error">
          Operator access is disabled: set ADMIN_TOKEN (16+ characters) and restart the service.
        </p>
      ) : (
        <form method="post" action="/admin/login">
          {error ? <p class="notice error">{error}</p> : null}
          <label>
            Operator token (ADMIN_TOKEN)
            <input type="password" name="token" autocomplete="current-password" required autofocus />
          </label>
          <p>
            <button type="submit">Sign in</button>
          </p>
        </form>
      )}
    </div>
  );
}

export interface ListFilters {
  state?: string | undefined;
  optedOut?: string | undefined;
  q?: string | undefined;
  since?: string | undefined;
}

export const SINCE_CHOICES: Record<string, number> = {
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
};

export function ListView({
  page,
  filters,
  stats,
  window,
  notice,
}: {
  page: ConversationPage;
  filters: ListFilters;
  stats: Stats;
  /** The funnel's window, one of SINCE_CHOICES. */
  window: string;
  notice?: string | undefined;
}) {
  const nextHref = page.nextCursor
    ? `/admin?${new URLSearchParams({ ...definedOnly(filters), cursor: page.nextCursor }).toString()}`
    : null;
  return (
    <>
      {notice ? <p class="notice">{notice}</p> : null}
      <div class="grid">
        <div class="card">
          <h2>{`Sign-up funnel, last ${window}`}</h2>
          <p class="muted" id="funnel-window">
            {"Window: "}
            {Object.keys(SINCE_CHOICES).map((choice, i) => (
              <>
                {i > 0 ? " · " : null}
                {choice === window ? (
                  <strong>{choice}</strong>
                ) : (
                  <a href={`/admin?${new URLSearchParams({ ...definedOnly(filters), window: choice }).toString()}`}>
                    {choice}
                  </a>
                )}
              </>
            ))}
          </p>
          <FunnelChart stats={stats} />
        </div>
        <div class="card">
          <h2>Conversations by state</h2>
          <table>
            <tbody>
              {STATE_NAMES.map((state) => (
                <tr>
                  <td>
                    <a href={`/admin?state=${encodeURIComponent(state)}`}>{state}</a>
                  </td>
                  <td>{String(stats.byState[state] ?? 0)}</td>
                </tr>
              ))}
              <tr>
                <td>
                  <a href="/admin?optedOut=true">opted out</a>
                </td>
                <td>{String(stats.optedOut)}</td>
              </tr>
            </tbody>
          </table>
        </div>
      </div>
      <div class="card">
        <h1>Conversations</h1>
        <form class="filters" method="get" action="/admin">
          <label>
            Phone or email contains
            <input type="search" name="q" value={filters.q ?? ""} placeholder="+1415 or @example.com" />
          </label>
          <label>
            State
            <select name="state">
              <option value="">any</option>
              {STATE_NAMES.map((state) => (
                <option value={state} selected={filters.state === state}>
                  {state}
                </option>
              ))}
            </select>
          </label>
          <label>
            Opted out
            <select name="optedOut">
              <option value="">either</option>
              <option value="true" selected={filters.optedOut === "true"}>
                yes
              </option>
              <option value="false" selected={filters.optedOut === "false"}>
                no
              </option>
            </select>
          </label>
          <label>
            Active in the last
            <select name="since">
              <option value="">any time</option>
              {Object.keys(SINCE_CHOICES).map((since) => (
                <option value={since} selected={filters.since === since}>
                  {since}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Filter</button>
          <a href="/admin">clear</a>
        </form>
        <table class="spaced" id="conversations">
          <thead>
            <tr>
              <th>Phone</th>
              <th>State</th>
              <th>Email</th>
              <th>Last activity</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {page.items.length === 0 ? (
              <tr>
                <td colspan={5} class="muted">
                  No conversation matches.
                </td>
              </tr>
            ) : (
              page.items.map((item) => (
                <tr>
                  <td>
                    <a href={conversationHref(item.phone)}>{item.phone}</a>
                  </td>
                  <td>
                    <span class={`badge ${item.state}`}>{item.state}</span>{" "}
                    {item.optedOut ? <span class="badge out">opted out</span> : null}
                  </td>
                  <td>{item.email ?? "—"}</td>
                  <td>{formatTime(item.lastActivityAt)}</td>
                  <td>{formatTime(item.createdAt)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
        <div class="pager">
          <span class="muted">{`${page.items.length} shown, newest activity first`}</span>
          {nextHref ? <a href={nextHref}>Older →</a> : null}
        </div>
      </div>
    </>
  );
}

function definedOnly(filters: ListFilters): Record<string, string> {
  return Object.fromEntries(
    Object.entries(filters).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== "",
    ),
  );
}

const STEP_NAMES = {
  started: "Texted SIGNUP",
  emailGiven: "Gave an email",
  codeSent: "Got a code",
  verified: "Verified",
} as const;

export function FunnelChart({ stats }: { stats: Stats }) {
  const top = Math.max(1, stats.funnel[0]?.count ?? 0);
  const rowH = 34;
  const percent = (rate: number | null) => (rate === null ? "" : ` · ${Math.round(rate * 100)}%`);
  return (
    <div>
      <svg viewBox={`0 0 560 ${stats.funnel.length * rowH + 6}`} width="100%" role="img" aria-label="Sign-up funnel">
        {stats.funnel.map((step, i) => (
          <g>
            <text x="0" y={i * rowH + 21} font-size="12" fill="#33405a">
              {STEP_NAMES[step.step]}
            </text>
            <rect
              x="120"
              y={i * rowH + 6}
              width={Math.max(2, (step.count / top) * 330)}
              height={rowH - 10}
              rx="4"
              fill={i === 3 ? "#2e9d5b" : "#2f5bd3"}
            />
            <text x={128 + Math.max(2, (step.count / top) * 330)} y={i * rowH + 21} font-size="12" fill="#1d2433">
              {`${step.count}${percent(step.rateFromPrevious)}`}
            </text>
          </g>
        ))}
      </svg>
      <p class="muted">
        {`Overall conversion ${stats.funnel[3]?.rateFromStart === null || stats.funnel[3] === undefined ? "—" : `${Math.round((stats.funnel[3].rateFromStart ?? 0) * 100)}%`}`}
        {` · median time from SIGNUP to verified: ${stats.medianSignupToVerifiedMs === null ? "—" : formatDuration(stats.medianSignupToVerifiedMs)}`}
        {` (${stats.verifiedSamples} verified)`}
      </p>
    </div>
  );
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function ConversationView({
  detail,
  csrf,
  notice,
}: {
  detail: Detail;
  csrf: string;
  notice?: string | undefined;
}) {
  const href = conversationHref(detail.phone);
  return (
    <>
      <p>
        <a href="/admin">← all conversations</a>
      </p>
      {notice ? <p class="notice">{notice}</p> : null}
      <div class="card">
        <h1>
          {detail.phone}{" "}
          <span class={`badge ${detail.state}`} id="state">
            {detail.state}
          </span>{" "}
          {detail.optedOut ? <span class="badge out">opted out</span> : null}
        </h1>
        <MachineDiagram current={detail.state} />
        <div class="spaced">
          <details class="confirm">
            <summary>
              <span class="badge">Reset…</span>
            </summary>
            <div class="confirm-box">
              <p>Send this conversation back to the start? The person will need to text SIGNUP again.</p>
              <form method="post" action={`${href}/reset`}>
                <input type="hidden" name="_csrf" value={csrf} />
                <button type="submit">Yes, reset</button>
              </form>
            </div>
          </details>
          <details class="confirm">
            <summary>
              <span class="badge out">Erase…</span>
            </summary>
            <div class="confirm-box">
              <p>
                Erase the conversation, transcript and user of this phone for good? Only a record that an erasure
                happened stays.
              </p>
              <form method="post" action={`${href}/erase`}>
                <input type="hidden" name="_csrf" value={csrf} />
                <button type="submit" class="danger">
                  Yes, erase everything
                </button>
              </form>
            </div>
          </details>
        </div>
      </div>
      <div class="grid">
        <div class="card">
          <h2>Transcript</h2>
          {detail.older ? (
            <p>
              <a href={`${href}?before=${encodeURIComponent(detail.older)}`}>← older messages</a>
            </p>
          ) : null}
          <div class="chat" id="transcript">
            {detail.transcript.length === 0 ? <p class="muted">No messages.</p> : null}
            {detail.transcript.map((message) => (
              <div class={`bubble ${message.direction}`} data-direction={message.direction}>
                {revealBidi(message.body)}
                <span class="meta">
                  {`${formatTime(message.at)} · ${message.channel} · ${message.status}`}
                  {message.errorCode !== null || message.errorMessage !== null
                    ? ` · error ${message.errorCode ?? ""} ${message.errorMessage ?? ""}`
                    : ""}
                </span>
              </div>
            ))}
          </div>
        </div>
        <div>
          <div class="card">
            <h2>Timeline</h2>
            <ol class="timeline" id="timeline">
              {detail.timeline.length === 0 ? <li class="muted">No transitions yet.</li> : null}
              {detail.timeline.map((step) => (
                <li class={step.event.startsWith("RESET by") ? "operator" : undefined}>
                  {step.from} <span class="arrow">→</span> <strong>{step.to}</strong>{" "}
                  <span class="event">{step.event}</span>
                  <time datetime={step.at}>{formatTime(step.at)}</time>
                </li>
              ))}
            </ol>
          </div>
          <div class="card">
            <h2>Context</h2>
            {detail.context ? (
              <dl class="kv">
                {Object.entries(detail.context).map(([key, value]) => (
                  <>
                    <dt>{key}</dt>
                    <dd>
                      {value === null
                        ? "—"
                        : Array.isArray(value)
                          ? value.map(String).join(", ") || "—"
                          : String(value)}
                    </dd>
                  </>
                ))}
              </dl>
            ) : (
              <p class="muted">The machine has not run for this phone yet.</p>
            )}
          </div>
          <div class="card">
            <h2>User</h2>
            {detail.user ? (
              <dl class="kv">
                <dt>email</dt>
                <dd>{detail.user.email}</dd>
                <dt>country code</dt>
                <dd>{detail.user.countryCode}</dd>
                <dt>national number</dt>
                <dd>{detail.user.nationalNumber}</dd>
                <dt>provider id</dt>
                <dd>{detail.user.providerId ?? "—"}</dd>
                <dt>verified</dt>
                <dd>{formatTime(detail.user.verifiedAt)}</dd>
                <dt>created</dt>
                <dd>{formatTime(detail.user.createdAt)}</dd>
              </dl>
            ) : (
              <p class="muted">No user record yet (it is made when a code is sent).</p>
            )}
          </div>
        </div>
      </div>
    </>
  );
}
