// The IDE's HTML page and the Content-Security-Policy it is served with.
import { PURPOSES } from '../../lib/auth/principal.js';
import type { IdeAssets } from './assets.js';
import type { IdeExample } from './examples.js';

/**
 * Everything from the gateway's own origin, nothing from anywhere else, and no script that is
 * not one of the hashed files (no inline script, no eval). The exceptions, each needed by
 * GraphiQL 4:
 * - `style-src 'unsafe-inline'`: GraphiQL's dialogs and menus (Radix UI) insert `<style>`
 *   elements at run time, for their scroll lock among others, and cannot be given a nonce in
 *   the UMD build. Styles cannot run code; scripts stay restricted to `'self'`.
 * - `img-src data:` and `font-src data:`: graphiql.min.css embeds its icons and its fonts
 *   (Roboto, Fira Code) as data: URLs; the page's icon is an empty data: URL, so that the
 *   browser does not ask the gateway for a /favicon.ico it does not have.
 * `connect-src 'self'` is the GraphQL endpoint; `form-action 'none'` because the token form is
 * handled by script and never submitted; `frame-ancestors 'none'` so that no other site can
 * frame the page and trick a signed-in user into running an operation.
 */
export const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** What the page's script needs, read by it from a JSON block (CSP forbids inline script). */
export interface IdePageConfig {
  endpoint: string;
  purposes: readonly string[];
  examples: readonly IdeExample[];
}

/**
 * JSON safe inside a `<script type="application/json">` block: `<` escaped so that no string
 * can close the element, and the two line separators JavaScript once refused in strings.
 */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderIdePage(assets: IdeAssets, examples: readonly IdeExample[]): string {
  const config: IdePageConfig = { endpoint: '/graphql', purposes: PURPOSES, examples };
  // `defer` keeps the order (React, ReactDOM, GraphiQL, then the page) and runs them once the
  // document is parsed.
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>Prato labour graph · IDE</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${assets.graphiqlCss.path}" />
    <link rel="stylesheet" href="${assets.pageCss.path}" />
    <script type="application/json" id="ide-config">${scriptSafeJson(config)}</script>
    <script defer src="${assets.react.path}"></script>
    <script defer src="${assets.reactDom.path}"></script>
    <script defer src="${assets.graphiql.path}"></script>
    <script defer src="${assets.pageScript.path}"></script>
  </head>
  <body>
    <noscript>The IDE needs JavaScript. The GraphQL endpoint is /graphql.</noscript>
    <div id="ide"></div>
  </body>
</html>
`;
}
