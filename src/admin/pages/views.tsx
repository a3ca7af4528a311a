import { raw } from "hono/html";
import { MachineDiagram } from "../machine-diagram.js";
import type { AdminQueries } from "../queries.js";
import { revealBidi } from "../visible-text.js";
import { conversationHref } from "./layout.js";
import { LiveBar, Region, type Regions } from "./live.js";
import { channelWords, LanguageLabel, StateLabel, statesToShow, stateWords, Time } from "./words.js";

type ConversationPage = Awaited<ReturnType<AdminQueries["listConversations"]>>;
type Detail = NonNullable<Awaited<ReturnType<AdminQueries["getConversation"]>>>;
type Stats = Awaited<ReturnType<AdminQueries["stats"]>>;
type Erasures = Awaited<ReturnType<AdminQueries["listErasures"]>>;

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

/** The list page's live parts: funnel, counts by state, the rows and the pager. */
export function listRegions(page: ConversationPage, filters: ListFilters, stats: Stats): Record<string, unknown> {
  const nextHref = page.nextCursor
    ? `/admin?${new URLSearchParams({ ...definedOnly(filters), cursor: page.nextCursor }).toString()}`
    : null;
  return {
    funnel: <FunnelChart stats={stats} />,
    counts: <StateCounts stats={stats} />,
    rows:
      page.items.length === 0 ? (
        <tr>
          <td colspan={6} class="muted">
            No conversation matches.
          </td>
        </tr>
      ) : (
        page.items.map((item) => (
          <tr data-key={item.phone}>
            <td data-label="Phone">
              <a href={conversationHref(item.phone)}>{item.phone}</a>
            </td>
            <td data-label="State">
              <StateLabel state={item.state} /> {item.optedOut ? <span class="badge out">opted out</span> : null}
            </td>
            <td data-label="Email">{item.email ?? "—"}</td>
            <td data-label="Language">
              <LanguageLabel language={item.language} chosen={item.languageChosen} />
            </td>
            <td data-label="Channel">{channelWords(item.channel)}</td>
            <td data-label="Last activity">
              <Time iso={item.lastActivityAt} />
            </td>
          </tr>
        ))
      ),
    pager: (
      <div class="pager">
        <span class="muted">{`${page.items.length} shown, newest activity first`}</span>
        {nextHref ? <a href={nextHref}>Older conversations →</a> : null}
      </div>
    ),
  };
}

function StateCounts({ stats }: { stats: Stats }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">State</th>
          <th scope="col" class="num">
            Conversations
          </th>
        </tr>
      </thead>
      <tbody>
        {statesToShow(stats.byState).map((state) => (
          <tr>
            <th scope="row">
              <a href={`/admin?state=${encodeURIComponent(state)}`}>{stateWords(state)}</a>{" "}
              <code class="machine-name">{state}</code>
            </th>
            <td class="num">{String(stats.byState[state] ?? 0)}</td>
          </tr>
        ))}
        <tr>
          <th scope="row">
            <a href="/admin?optedOut=true">opted out</a>
          </th>
          <td class="num">{String(stats.optedOut)}</td>
        </tr>
      </tbody>
    </table>
  );
}

export function ListView({
  regions,
  filters,
  stats,
  window,
  notice,
}: {
  regions: Regions;
  filters: ListFilters;
  stats: Stats;
  /** The funnel's window, one of SINCE_CHOICES. */
  window: string;
  notice?: string | undefined;
}) {
  return (
    <>
      <h1>Conversations</h1>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <LiveBar />
      <div class="grid">
        <section class="card" aria-labelledby="funnel-title">
          <h2 id="funnel-title">{`Sign-up funnel, last ${window}`}</h2>
          <p class="muted" id="funnel-window">
            {"Window: "}
            {Object.keys(SINCE_CHOICES).map((choice, i) => (
              <>
                {i > 0 ? " · " : null}
                {choice === window ? (
                  <strong aria-current="true">{choice}</strong>
                ) : (
                  <a href={`/admin?${new URLSearchParams({ ...definedOnly(filters), window: choice }).toString()}`}>
                    {choice}
                  </a>
                )}
              </>
            ))}
          </p>
          <Region name="funnel" html={regions.funnel ?? ""} />
        </section>
        <section class="card" aria-labelledby="counts-title">
          <h2 id="counts-title">Conversations by state</h2>
          <Region name="counts" html={regions.counts ?? ""} />
        </section>
      </div>
      <section class="card" aria-labelledby="list-title">
        <h2 id="list-title">Find a conversation</h2>
        <form class="filters" method="get" action="/admin">
          <label>
            Phone or email contains
            <input type="search" name="q" value={filters.q ?? ""} placeholder="+1415 or @example.com" />
          </label>
          <label>
            State
            <select name="state">
              <option value="">any</option>
              {statesToShow(stats.byState).map((state) => (
                <option value={state} selected={filters.state === state}>
                  {`${stateWords(state)} (${state})`}
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
          <a href="/admin">Clear filters</a>
        </form>
        <table class="spaced cards" id="conversations">
          <caption class="visually-hidden">Conversations, newest activity first</caption>
          <thead>
            <tr>
              <th scope="col">Phone</th>
              <th scope="col">State</th>
              <th scope="col">Email</th>
              <th scope="col">Language</th>
              <th scope="col">Channel</th>
              <th scope="col">Last activity</th>
            </tr>
          </thead>
          <Region as="tbody" name="rows" html={regions.rows ?? ""} />
        </table>
        <Region name="pager" html={regions.pager ?? ""} />
      </section>
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

const percent = (rate: number | null) => (rate === null ? "—" : `${Math.round(rate * 100)}%`);

export function FunnelChart({ stats }: { stats: Stats }) {
  const top = Math.max(1, stats.funnel[0]?.count ?? 0);
  // Two lines a step (the bar, then its percentages), narrow enough to read unscaled on a phone.
  const rowH = 48;
  const rates = (step: Stats["funnel"][number], i: number) =>
    i === 0 ? "" : `${percent(step.rateFromPrevious)} of the step before · ${percent(step.rateFromStart)} of all`;
  const bar = (count: number) => Math.max(2, (count / top) * 190);
  return (
    <div class="funnel">
      <svg
        viewBox={`0 0 360 ${stats.funnel.length * rowH}`}
        width="100%"
        role="img"
        aria-label={`Sign-up funnel: ${stats.funnel.map((step, i) => `${STEP_NAMES[step.step]} ${step.count}${i === 0 ? "" : `, ${rates(step, i)}`}`).join("; ")}`}
      >
        {stats.funnel.map((step, i) => (
          <g>
            <text x="0" y={i * rowH + 17} font-size="12" fill="#2b3650">
              {STEP_NAMES[step.step]}
            </text>
            <rect
              x="100"
              y={i * rowH + 4}
              width={bar(step.count)}
              height="18"
              rx="4"
              fill={i === 3 ? "#1e7d45" : "#1f4bb8"}
            />
            <text x={106 + bar(step.count)} y={i * rowH + 17} font-size="12" fill="#1d2433">
              {String(step.count)}
            </text>
            {i === 0 ? null : (
              <text x="100" y={i * rowH + 36} font-size="11" fill="#3f4960">
                {rates(step, i)}
              </text>
            )}
          </g>
        ))}
      </svg>
      <p class="muted">
        {`Verified ${percent(stats.funnel[3]?.rateFromStart ?? null)} of all who texted SIGNUP`}
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

/** The email an operator knows this person by, the same in the list and on the conversation's page. */
export const emailOf = (detail: Detail) => detail.context?.email ?? detail.user?.email ?? null;

/** The conversation page's live parts. */
export function conversationRegions(detail: Detail, csrf: string): Record<string, unknown> {
  return {
    summary: (
      <p>
        <StateLabel state={detail.state} id="state" />{" "}
        {detail.optedOut ? <span class="badge out">opted out</span> : null}
        {" · email "}
        <strong>{emailOf(detail) ?? "—"}</strong>
        {" · writes in "}
        <LanguageLabel language={detail.language} chosen={detail.languageChosen} />
        {" · on "}
        <strong id="channel">{channelWords(detail.channel)}</strong>
        {" · last activity "}
        <Time iso={detail.lastActivityAt} />
      </p>
    ),
    actions: <Actions detail={detail} csrf={csrf} />,
    diagram: <MachineDiagram current={detail.state} />,
    transcript: (
      <>
        {detail.older ? (
          <p>
            <a href={`${conversationHref(detail.phone)}?before=${encodeURIComponent(detail.older)}`}>
              ← older messages
            </a>
          </p>
        ) : null}
        {detail.transcript.length === 0 ? <p class="muted">No messages.</p> : null}
        {detail.transcript.map((message) => (
          <div class={`bubble ${message.direction}`} data-direction={message.direction}>
            <span class="visually-hidden">{message.direction === "in" ? "They texted: " : "We sent: "}</span>
            {revealBidi(message.body)}
            <span class="meta">
              <Time iso={message.at} />
              {` · ${channelWords(message.medium)} · ${message.channel} · ${message.status}`}
              {message.errorCode !== null || message.errorMessage !== null
                ? ` · error ${message.errorCode ?? ""} ${message.errorMessage ?? ""}`
                : ""}
            </span>
          </div>
        ))}
      </>
    ),
    timeline: (
      <>
        {detail.timeline.length === 0 ? <li class="muted">No transitions yet.</li> : null}
        {detail.timeline.map((step) => (
          <li class={step.event.startsWith("RESET by") ? "operator" : undefined}>
            {stateWords(step.from)} → <strong>{stateWords(step.to)}</strong> <span class="event">{step.event}</span>
            <span class="when">
              <Time iso={step.at} />
              {` · ${step.from} → ${step.to}`}
            </span>
          </li>
        ))}
      </>
    ),
    context: detail.context ? (
      <dl class="kv">
        {Object.entries(detail.context).map(([key, value]) => (
          <>
            <dt>{key}</dt>
            <dd>
              {value === null ? (
                "—"
              ) : Array.isArray(value) ? (
                value.length === 0 ? (
                  "—"
                ) : (
                  value.map((item, i) => (
                    <>
                      {i > 0 ? ", " : null}
                      {isInstant(item) ? <Time iso={item} /> : String(item)}
                    </>
                  ))
                )
              ) : isInstant(value) ? (
                <Time iso={value} />
              ) : (
                String(value)
              )}
            </dd>
          </>
        ))}
      </dl>
    ) : (
      <p class="muted">The machine has not run for this phone yet.</p>
    ),
    user: detail.user ? (
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
        <dd>
          <Time iso={detail.user.verifiedAt} />
        </dd>
        <dt>email proven</dt>
        <dd>{detail.user.emailVerifiedAt ? <Time iso={detail.user.emailVerifiedAt} /> : "no (only typed)"}</dd>
        <dt>created</dt>
        <dd>
          <Time iso={detail.user.createdAt} />
        </dd>
      </dl>
    ) : (
      <p class="muted">No user record yet (it is made when a code is sent).</p>
    ),
  };
}

const isInstant = (value: unknown): value is string =>
  typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value);

/** An operator action behind a confirmation: a button that opens what it will do, a submit and a Cancel. */
function Confirm({
  label,
  danger = false,
  action,
  csrf,
  submit,
  children,
}: {
  label: string;
  danger?: boolean;
  action: string;
  csrf: string;
  submit: string;
  children?: unknown;
}) {
  return (
    <details class="confirm">
      <summary class={`button ${danger ? "danger" : "plain"}`}>{label}</summary>
      <div class="confirm-box">
        {children as never}
        <form method="post" action={action}>
          <input type="hidden" name="_csrf" value={csrf} />
          <button type="submit" class={danger ? "danger" : undefined}>
            {submit}
          </button>
          <button type="button" class="plain" data-cancel="">
            Cancel
          </button>
        </form>
      </div>
    </details>
  );
}

function Actions({ detail, csrf }: { detail: Detail; csrf: string }) {
  const href = conversationHref(detail.phone);
  const verified = detail.user?.verifiedAt ? detail.user : null;
  return (
    <div class="actions">
      <Confirm label="Reset…" action={`${href}/reset`} csrf={csrf} submit="Yes, reset">
        {verified ? (
          <p>
            {`This person is verified as ${verified.email}. Reset only starts the conversation over: their account `}
            {`(${verified.email}, verified) stays as it is, and their next SIGNUP starts a new sign-up. To remove `}
            {"the account too, use Erase."}
          </p>
        ) : (
          <p>Send this conversation back to the start? The person will need to text SIGNUP again.</p>
        )}
      </Confirm>
      <Confirm label="Erase…" danger action={`${href}/erase`} csrf={csrf} submit="Yes, erase everything">
        <p>
          Erase the conversation, transcript and user of this phone for good? Only a record that an erasure happened
          stays.
        </p>
      </Confirm>
    </div>
  );
}

export function ConversationView({
  phone,
  regions,
  notice,
}: {
  phone: string;
  regions: Regions;
  notice?: string | undefined;
}) {
  return (
    <>
      <p>
        <a href="/admin">← All conversations</a>
      </p>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <div class="card">
        <h1>{phone}</h1>
        <LiveBar />
        <Region name="summary" html={regions.summary ?? ""} />
        <Region name="actions" html={regions.actions ?? ""} />
      </div>
      <div class="grid">
        <section class="card" aria-labelledby="transcript-title">
          <h2 id="transcript-title">Transcript</h2>
          <Region
            name="transcript"
            html={regions.transcript ?? ""}
            class="chat"
            id="transcript"
            data-newest-last=""
            tabindex={0}
            aria-label="Transcript, oldest first"
          />
        </section>
        <div>
          <section class="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">Timeline</h2>
            <ol class="timeline" id="timeline" data-region="timeline">
              {raw(regions.timeline ?? "")}
            </ol>
          </section>
          <section class="card" aria-labelledby="context-title">
            <h2 id="context-title">Context</h2>
            <Region name="context" html={regions.context ?? ""} />
          </section>
          <section class="card" aria-labelledby="user-title">
            <h2 id="user-title">User</h2>
            <Region name="user" html={regions.user ?? ""} />
          </section>
        </div>
      </div>
      <section class="card" aria-labelledby="machine-title">
        <h2 id="machine-title">Where this conversation is in the sign-up machine</h2>
        <Region name="diagram" html={regions.diagram ?? ""} class="diagram" tabindex={0} />
      </section>
    </>
  );
}

export function ErasuresView({ erasures }: { erasures: Erasures }) {
  return (
    <>
      <h1>Erasures</h1>
      <p class="muted">
        Each erasure removed a person's conversation, transcript, timeline and user for a privacy request. Only this
        record stays: a masked phone, who erased it, when, and how many rows went.
      </p>
      <div class="card">
        <table class="cards" id="erasures">
          <caption class="visually-hidden">Erasures, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Phone</th>
              <th scope="col">Erased by</th>
              <th scope="col">When</th>
              <th scope="col">Removed</th>
            </tr>
          </thead>
          <tbody>
            {erasures.items.length === 0 ? (
              <tr>
                <td colspan={4} class="muted">
                  Nothing has been erased.
                </td>
              </tr>
            ) : (
              erasures.items.map((erasure) => (
                <tr>
                  <td data-label="Phone">{erasure.phoneHint}</td>
                  <td data-label="Erased by">{erasure.operator}</td>
                  <td data-label="When">
                    <Time iso={erasure.erasedAt} />
                  </td>
                  <td data-label="Removed">
                    {Object.entries(erasure.removed)
                      .map(([what, count]) => `${count} ${what}`)
                      .join(", ")}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}
