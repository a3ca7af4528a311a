import { type Context, Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { NONCE, type SecureHeadersVariables, secureHeaders } from "hono/secure-headers";
import { maskPhone } from "../../conversation/mask.js";
import { clientAddress } from "../../http/client-address.js";
import { answerErrors } from "../../http/error-handler.js";
import { equalSecrets } from "../../security/constant-time.js";
import type { AdminGuards, AdminParts } from "../api.js";
import { Sessions } from "../auth.js";
import { DEFAULT_DETAIL_LIMIT, InvalidCursorError } from "../queries.js";
import { listQuery, phoneParam } from "../schemas.js";
import { ApiReferenceHead, ApiReferenceView, ASSET_PATHS } from "./api-reference.js";
import { conversationHref, Layout } from "./layout.js";
import { fingerprint, html, liveHref, liveStream, type Regions } from "./live.js";
import {
  ConversationView,
  conversationRegions,
  ErasuresView,
  type ListFilters,
  ListView,
  LoginView,
  listRegions,
  SINCE_CHOICES,
} from "./views.js";

const COOKIE = "sms_signup_admin";
const SESSION_MS = 8 * 60 * 60_000;
export const PAGES_OPERATOR = "operator (pages)";

type Env = { Variables: SecureHeadersVariables & { session: string } };

/** The operator pages under /admin: server-rendered Hono JSX, so every person's text goes out escaped. */
export function createAdminPages(parts: AdminParts, guards: AdminGuards): Hono<Env> {
  const pages = new Hono<Env>();
  const publicOrigin = new URL(parts.publicUrl).origin;
  // The Origin check refuses with an HTTPException (403), which answers itself.
  pages.onError(answerErrors(parts.logger, "operator page failed", (c) => c.text("Something went wrong.", 500)));

  pages.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: [NONCE],
        styleSrc: [NONCE],
        // The diagram's and chart's inline SVG attributes are presentation attributes, not style: nothing more is needed.
        // data: for the icons inside Swagger UI's stylesheet (API reference); images cannot run script.
        imgSrc: ["'self'", "data:"],
        // Live updates (EventSource) come from our own origin.
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: "same-origin",
    }),
  );
  // Changes must come from our own pages: the browser's Origin (or Sec-Fetch-Site) says where a form was posted from.
  pages.use("*", csrf({ origin: (origin, c) => origin === new URL(c.req.url).origin || origin === publicOrigin }));
  pages.use("*", async (c, next) => {
    c.header("Cache-Control", "no-store");
    await next();
  });

  const render = (
    c: Context<Env>,
    title: string,
    body: unknown,
    options: { liveUrl?: string; csrf?: string; status?: 200 | 401 | 403 | 404 | 429; head?: unknown } = {},
  ) =>
    c.html(
      <Layout
        title={title}
        nonce={c.get("secureHeadersNonce") ?? ""}
        liveUrl={options.liveUrl}
        head={options.head as never}
        signedIn={options.csrf ? { csrf: options.csrf } : undefined}
      >
        {body as never}
      </Layout>,
      options.status ?? 200,
    );

  const adminToken = parts.adminToken;
  if (adminToken === undefined) {
    // No token, no way in: every page, GET or POST, says so and nothing else.
    pages.all("*", (c) => render(c, "Disabled", <LoginView disabled />, { status: 403 }));
    return pages;
  }
  const sessions = new Sessions(adminToken, SESSION_MS, parts.sessions);
  const secure = (c: Context) =>
    new URL(c.req.url).protocol === "https:" || c.req.header("X-Forwarded-Proto") === "https";

  pages.get("/login", (c) => render(c, "Sign in", <LoginView />));
  pages.post("/login", async (c) => {
    const client = clientAddress(c);
    const waitMs = guards.attempts.waitMs(client);
    if (waitMs > 0) {
      c.header("Retry-After", String(Math.ceil(waitMs / 1000)));
      return render(c, "Sign in", <LoginView error="Too many wrong tokens. Wait a minute, then try again." />, {
        status: 429,
      });
    }
    const form = await c.req.parseBody();
    const token = typeof form.token === "string" ? form.token : "";
    if (!(await equalSecrets(token, adminToken))) {
      guards.attempts.failed(client);
      parts.logger.warn({}, "operator sign-in refused");
      return render(c, "Sign in", <LoginView error="That token is not right." />, { status: 401 });
    }
    setCookie(c, COOKIE, await sessions.issue(parts.clock.now()), {
      path: "/admin",
      httpOnly: true,
      sameSite: "Strict",
      secure: secure(c),
      maxAge: SESSION_MS / 1000,
    });
    return c.redirect("/admin", 303);
  });

  const requireSession: MiddlewareHandler<Env> = async (c, next) => {
    const session = getCookie(c, COOKIE);
    if (!session || !(await sessions.isValid(session, parts.clock.now()))) {
      if (c.req.method === "GET") return c.redirect("/admin/login", 303);
      return render(c, "Sign in", <LoginView error="Your session has ended. Sign in again." />, { status: 401 });
    }
    c.set("session", session);
    if (c.req.method === "POST") {
      // Beside the Origin check: a per-session token in every form, so a forged form cannot carry a valid one.
      const form = await c.req.parseBody();
      if (!(await sessions.isValidCsrf(session, typeof form._csrf === "string" ? form._csrf : undefined))) {
        return c.text("This form has expired. Go back, reload the page and try again.", 403);
      }
    }
    await next();
  };
  pages.use("*", requireSession);

  for (const extension of parts.extensions ?? []) extension.pages?.(pages, PAGES_OPERATOR);

  // Signing out ends the session where it is kept, not only in this browser: a copy of the cookie dies with it.
  pages.post("/logout", async (c) => {
    await sessions.end(c.get("session"));
    deleteCookie(c, COOKIE, { path: "/admin", secure: secure(c) });
    return c.redirect("/admin/login", 303);
  });

  pages.post("/logout-everywhere", async (c) => {
    const ended = await sessions.endAll();
    parts.logger.info({ sessions: ended }, "operator signed every session out");
    deleteCookie(c, COOKIE, { path: "/admin", secure: secure(c) });
    return c.redirect("/admin/login", 303);
  });

  /** Renders a page's regions to HTML, so the page and its live stream send the same bytes. */
  const renderRegions = async (nodes: Record<string, unknown>): Promise<Regions> =>
    Object.fromEntries(await Promise.all(Object.entries(nodes).map(async ([name, node]) => [name, await html(node)])));

  /** The list page's filters, funnel window and regions, from its query string: one reading for the page and its stream. */
  const listPage = async (c: Context<Env>) => {
    const raw = c.req.query();
    const filters: ListFilters = {
      state: raw.state || undefined,
      optedOut: raw.optedOut || undefined,
      q: raw.q?.trim() || undefined,
      since: raw.since || undefined,
    };
    const now = parts.clock.now();
    // Own keys only: `constructor` is in every object, and is no window.
    const sinceMs =
      filters.since && Object.hasOwn(SINCE_CHOICES, filters.since) ? SINCE_CHOICES[filters.since] : undefined;
    const query = listQuery.safeParse({
      state: filters.state,
      optedOut: filters.optedOut,
      q: filters.q,
      activeAfter: sinceMs === undefined ? undefined : String(now - sinceMs),
      cursor: raw.cursor || undefined,
      limit: "50",
    });
    const window = raw.window && Object.hasOwn(SINCE_CHOICES, raw.window) ? raw.window : "7d";
    const stats = await parts.queries.stats(now - (SINCE_CHOICES[window] ?? 0), now + 1);
    if (!query.success) return { ok: false as const };
    const page = await parts.queries.listConversations(query.data).catch(() => ({ items: [], nextCursor: null }));
    return {
      ok: true as const,
      filters,
      window,
      stats,
      regions: await renderRegions(listRegions(page, filters, stats)),
    };
  };

  /** The query string a page's stream needs to render the same regions: everything but one-time notices. */
  const liveQuery = (c: Context<Env>) => {
    const query = new URLSearchParams(new URL(c.req.url).search);
    for (const once of ["done", "erased", "v"]) query.delete(once);
    return query;
  };
  const signedIn = (c: Context<Env>) => () => sessions.isValid(c.get("session"), parts.clock.now());

  pages.get("/", async (c) => {
    const csrfToken = await sessions.csrfToken(c.get("session"));
    const list = await listPage(c);
    if (!list.ok) {
      return render(c, "Conversations", <p class="notice error">Those filters are not valid.</p>, {
        csrf: csrfToken,
        status: 200,
      });
    }
    const erased = c.req.query("erased");
    // Only known notices: a link must not be able to put words of its own on an operator's page.
    const doneKey = c.req.query("done") ?? "";
    const done = (parts.extensions ?? []).find((e) => Object.hasOwn(e.notices ?? {}, doneKey))?.notices?.[doneKey];
    const notice = erased ? `Erased the conversation of ${erased}.` : done;
    const panels = await Promise.all((parts.extensions ?? []).map((extension) => extension.panel?.(csrfToken)));
    return render(
      c,
      "Conversations",
      <>
        <ListView
          regions={list.regions}
          filters={list.filters}
          stats={list.stats}
          window={list.window}
          notice={notice}
        />
        {panels}
      </>,
      { liveUrl: liveHref("/admin/live", liveQuery(c), await fingerprint(list.regions)), csrf: csrfToken },
    );
  });

  pages.get("/live", (c) =>
    liveStream(
      c,
      {
        signedIn: signedIn(c),
        regions: async () => {
          const list = await listPage(c);
          return list.ok ? { regions: list.regions } : { gone: "Those filters are not valid." };
        },
      },
      parts.stopping,
    ),
  );

  pages.get("/api-reference", async (c) => {
    const csrfToken = await sessions.csrfToken(c.get("session"));
    const available = parts.apiReference !== undefined;
    return render(c, "API reference", <ApiReferenceView available={available} />, {
      csrf: csrfToken,
      head: available ? <ApiReferenceHead nonce={c.get("secureHeadersNonce") ?? ""} /> : undefined,
    });
  });
  const asset = (kind: "css" | "js", type: string) => (c: Context<Env>) => {
    const body = parts.apiReference?.[kind];
    if (body === undefined) return c.text("Not found", 404);
    return c.body(body, 200, { "Content-Type": type, "Cache-Control": "private, max-age=86400" });
  };
  pages.get(ASSET_PATHS.css.slice("/admin".length), asset("css", "text/css; charset=utf-8"));
  pages.get(ASSET_PATHS.js.slice("/admin".length), asset("js", "text/javascript; charset=utf-8"));

  pages.get("/erasures", async (c) => {
    const csrfToken = await sessions.csrfToken(c.get("session"));
    return render(c, "Erasures", <ErasuresView erasures={await parts.queries.listErasures()} />, { csrf: csrfToken });
  });

  const phoneOf = (c: Context<Env>) => phoneParam.safeParse(c.req.param("phone"));
  /** The conversation of the path's phone, its newest page or the one before `?before=`; null if there is none. */
  const detailOf = async (c: Context<Env>) => {
    const phone = phoneOf(c);
    if (!phone.success) return null;
    const before = c.req.query("before") || undefined;
    return parts.queries.getConversation(phone.data, { limit: DEFAULT_DETAIL_LIMIT, before }).catch((error) => {
      if (error instanceof InvalidCursorError) return null;
      throw error;
    });
  };

  pages.get("/conversations/:phone", async (c) => {
    const csrfToken = await sessions.csrfToken(c.get("session"));
    const before = c.req.query("before") || undefined;
    const detail = await detailOf(c);
    if (!detail)
      return render(c, "Not found", <p class="notice error">No conversation with this phone.</p>, {
        csrf: csrfToken,
        status: 404,
      });
    const notice = c.req.query("done") === "reset" ? "The conversation was reset to the start." : undefined;
    const regions = await renderRegions(conversationRegions(detail, csrfToken));
    return render(c, detail.phone, <ConversationView phone={detail.phone} regions={regions} notice={notice} />, {
      // An older page stays still while it is read; the newest one follows the conversation.
      liveUrl:
        before === undefined
          ? liveHref(`${conversationHref(detail.phone)}/live`, liveQuery(c), await fingerprint(regions))
          : undefined,
      csrf: csrfToken,
    });
  });

  pages.get("/conversations/:phone/live", async (c) => {
    const csrfToken = await sessions.csrfToken(c.get("session"));
    return liveStream(
      c,
      {
        signedIn: signedIn(c),
        regions: async () => {
          const detail = await detailOf(c);
          return detail
            ? { regions: await renderRegions(conversationRegions(detail, csrfToken)) }
            : { gone: "This conversation no longer exists (it was erased)." };
        },
      },
      parts.stopping,
    );
  });

  pages.post("/conversations/:phone/reset", async (c) => {
    const phone = phoneOf(c);
    if (!phone.success || !(await parts.queries.exists(phone.data)))
      return c.text("No conversation with this phone.", 404);
    await parts.engine.reset(phone.data, PAGES_OPERATOR);
    return c.redirect(`${conversationHref(phone.data)}?done=reset`, 303);
  });

  pages.post("/conversations/:phone/erase", async (c) => {
    const phone = phoneOf(c);
    if (!phone.success || !(await parts.queries.exists(phone.data)))
      return c.text("No conversation with this phone.", 404);
    await parts.engine.erase(phone.data, PAGES_OPERATOR);
    return c.redirect(`/admin?erased=${encodeURIComponent(maskPhone(phone.data))}`, 303);
  });

  return pages;
}

/** Whether a request carries a valid page session: the API lets a signed-in operator's browser read its description. */
export function pageSessionReader(parts: AdminParts): (c: Context) => Promise<boolean> {
  const adminToken = parts.adminToken;
  if (adminToken === undefined) return async () => false;
  const sessions = new Sessions(adminToken, SESSION_MS, parts.sessions);
  return (c) => sessions.isValid(getCookie(c, COOKIE), parts.clock.now());
}
