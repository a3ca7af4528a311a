import { type Context, Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { NONCE, type SecureHeadersVariables, secureHeaders } from "hono/secure-headers";
import { maskPhone } from "../../conversation/mask.js";
import type { AdminParts } from "../api.js";
import { constantTimeEquals, Sessions } from "../auth.js";
import { DEFAULT_DETAIL_LIMIT, InvalidCursorError } from "../queries.js";
import { listQuery, phoneParam } from "../schemas.js";
import { conversationHref, Layout } from "./layout.js";
import { ConversationView, type ListFilters, ListView, LoginView, SINCE_CHOICES } from "./views.js";

const COOKIE = "sms_signup_admin";
const SESSION_MS = 8 * 60 * 60_000;
const REFRESH_SECONDS = 10;
export const PAGES_OPERATOR = "operator (pages)";

type Env = { Variables: SecureHeadersVariables & { session: string } };

/** The operator pages under /admin: server-rendered Hono JSX, so every person's text goes out escaped. */
export function createAdminPages(parts: AdminParts): Hono<Env> {
  const pages = new Hono<Env>();
  const publicOrigin = new URL(parts.publicUrl).origin;
  pages.onError((error, c) => {
    // The Origin check refuses with an HTTPException (403); anything else is ours to log.
    if (error instanceof HTTPException) return error.getResponse();
    parts.logger.error({ err: error, path: c.req.path }, "operator page failed");
    return c.text("Something went wrong.", 500);
  });

  pages.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: [NONCE],
        styleSrc: [NONCE],
        // The diagram's and chart's inline SVG attributes are presentation attributes, not style: nothing more is needed.
        imgSrc: ["'self'"],
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
    options: { refresh?: boolean; csrf?: string; status?: 200 | 401 | 403 | 404 } = {},
  ) =>
    c.html(
      <Layout
        title={title}
        nonce={c.get("secureHeadersNonce") ?? ""}
        refreshSeconds={options.refresh ? REFRESH_SECONDS : undefined}
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
  const sessions = new Sessions(adminToken, SESSION_MS);
  const secure = (c: Context) =>
    new URL(c.req.url).protocol === "https:" || c.req.header("X-Forwarded-Proto") === "https";

  pages.get("/login", (c) => render(c, "Sign in", <LoginView />));
  pages.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form.token === "string" ? form.token : "";
    if (!(await constantTimeEquals(token, adminToken))) {
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

  pages.post("/logout", (c) => {
    deleteCookie(c, COOKIE, { path: "/admin", secure: secure(c) });
    return c.redirect("/admin/login", 303);
  });

  pages.get("/", async (c) => {
    const raw = c.req.query();
    const filters: ListFilters = {
      state: raw.state || undefined,
      optedOut: raw.optedOut || undefined,
      q: raw.q?.trim() || undefined,
      since: raw.since || undefined,
    };
    // Own keys only: `constructor` is in every object, and is no window.
    const sinceMs =
      filters.since && Object.hasOwn(SINCE_CHOICES, filters.since) ? SINCE_CHOICES[filters.since] : undefined;
    const query = listQuery.safeParse({
      state: filters.state,
      optedOut: filters.optedOut,
      q: filters.q,
      activeAfter: sinceMs === undefined ? undefined : String(parts.clock.now() - sinceMs),
      cursor: raw.cursor || undefined,
      limit: "50",
    });
    const csrfToken = await sessions.csrfToken(c.get("session"));
    const now = parts.clock.now();
    const window = raw.window && Object.hasOwn(SINCE_CHOICES, raw.window) ? raw.window : "7d";
    const stats = await parts.queries.stats(now - (SINCE_CHOICES[window] ?? 0), now + 1);
    if (!query.success) {
      return render(c, "Conversations", <p class="notice error">Those filters are not valid.</p>, {
        csrf: csrfToken,
        status: 200,
      });
    }
    const page = await parts.queries.listConversations(query.data).catch(() => ({ items: [], nextCursor: null }));
    const notice = raw.erased ? `Erased the conversation of ${raw.erased}.` : undefined;
    return render(
      c,
      "Conversations",
      <ListView page={page} filters={filters} stats={stats} window={window} notice={notice} />,
      { refresh: true, csrf: csrfToken },
    );
  });

  const phoneOf = (c: Context<Env>) => phoneParam.safeParse(c.req.param("phone"));

  pages.get("/conversations/:phone", async (c) => {
    const phone = phoneOf(c);
    const csrfToken = await sessions.csrfToken(c.get("session"));
    const before = c.req.query("before") || undefined;
    const detail = phone.success
      ? await parts.queries.getConversation(phone.data, { limit: DEFAULT_DETAIL_LIMIT, before }).catch((error) => {
          if (error instanceof InvalidCursorError) return null;
          throw error;
        })
      : null;
    if (!detail)
      return render(c, "Not found", <p class="notice error">No conversation with this phone.</p>, {
        csrf: csrfToken,
        status: 404,
      });
    const notice = c.req.query("done") === "reset" ? "The conversation was reset to the start." : undefined;
    return render(c, detail.phone, <ConversationView detail={detail} csrf={csrfToken} notice={notice} />, {
      // An older page stays still while it is read; the newest one follows the conversation.
      refresh: before === undefined,
      csrf: csrfToken,
    });
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
