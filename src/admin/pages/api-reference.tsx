import { raw } from "hono/html";

/** Swagger UI's files, read once by the entry from the swagger-ui-dist package: served by us, never from a CDN. */
export interface ApiReferenceAssets {
  css: string;
  js: string;
}

export const ASSET_PATHS = { css: "/admin/assets/swagger-ui.css", js: "/admin/assets/swagger-ui-bundle.js" };

// Read from the same document /admin/api/openapi.json serves; "Try it out" needs the token (Authorize).
const START = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/admin/api/openapi.json", dom_id: "#swagger-ui", deepLinking: false, defaultModelsExpandDepth: 0,
    onComplete: function () {
      // Swagger UI leaves its server picker without a name.
      var servers = document.getElementById("servers");
      if (servers) servers.setAttribute("aria-label", "Server");
    },
  });
});`;

// Swagger UI's own colours, darkened where they miss WCAG AA contrast (method badges, links, the Authorize button).
const CONTRAST = `#swagger-ui .opblock-get .opblock-summary-method{background:#1f5fa8}
#swagger-ui .opblock-post .opblock-summary-method{background:#1e7d45}
#swagger-ui .opblock-delete .opblock-summary-method{background:#b3261e}
#swagger-ui .opblock-put .opblock-summary-method,#swagger-ui .opblock-patch .opblock-summary-method{background:#754c00}
#swagger-ui .info .title small.version-stamp{background:#1e7d45}#swagger-ui .info .title small pre{color:#fff}
#swagger-ui .info .title small{background:#4a5468}#swagger-ui .info a,#swagger-ui .info .url{color:#1f4bb8}
#swagger-ui .btn.authorize{color:#145c32;border-color:#145c32}#swagger-ui .btn.authorize span{color:#145c32}
#swagger-ui .btn.authorize svg{fill:#145c32}#swagger-ui .opblock-summary-path,#swagger-ui .opblock-summary-description{color:#1d2433}`;

export function ApiReferenceHead({ nonce }: { nonce: string }) {
  return (
    <>
      <link rel="stylesheet" href={ASSET_PATHS.css} nonce={nonce} />
      <script src={ASSET_PATHS.js} nonce={nonce} defer />
      <style nonce={nonce}>{raw(CONTRAST)}</style>
      <script nonce={nonce}>{raw(START)}</script>
    </>
  );
}

export function ApiReferenceView({ available }: { available: boolean }) {
  return (
    <>
      <h1>API reference</h1>
      <p>
        The operator API answers JSON under <code>/admin/api</code> with <code>Authorization: Bearer ADMIN_TOKEN</code>.
        Its description is <a href="/admin/api/openapi.json">/admin/api/openapi.json</a> (OpenAPI 3.1), made from the
        same schemas every answer is checked against. To try a request here, press <strong>Authorize</strong> and paste
        the token.
      </p>
      {available ? (
        <div id="swagger-ui" class="card" />
      ) : (
        <p class="notice error">
          The reference viewer is not installed here (swagger-ui-dist); the description above is complete on its own.
        </p>
      )}
    </>
  );
}
