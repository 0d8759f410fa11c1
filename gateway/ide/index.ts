// The analysts' IDE: GraphiQL at the gateway's root for a browser (GET `/` asking for HTML),
// working with no internet access at all: the page and every file it loads come from the
// gateway, under /ide/assets/. Anything else, GraphQL over GET or POST at `/` included, is
// left to the GraphQL endpoint (lib/graphql-http.ts `extraRoutes`).
//
// Schema and docs: GraphiQL's docs and autocompletion come from introspection, which the
// gateway answers for signed-in callers only (SECURITY.md "Limits": introspection off for
// anonymous callers; gateway/limits/introspection.ts). The IDE keeps to that rule rather than
// handing the schema to anyone as a file: without a token it does not introspect (and shows
// why); once a token is given, GraphiQL introspects with it, and the schema it shows is the
// signed-in caller's, descriptions included. Anonymous users still run operations, the
// examples among them; the schema for them is schema/api.graphql and the reference docs
// (`npm run docs`), which the graph's maintainers hand out.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
import { ASSETS_PREFIX, loadIdeAssets, type Asset } from './assets.js';
import { IDE_EXAMPLES } from './examples.js';
import { IDE_CONTENT_SECURITY_POLICY, renderIdePage } from './page.js';

export { IDE_EXAMPLES, type IdeExample } from './examples.js';
export { IDE_CONTENT_SECURITY_POLICY } from './page.js';

export interface Ide {
  /** lib/graphql-http.ts `extraRoutes`: true when it answered the request. */
  route: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
}

/** Hashed paths never change content: a year, and no revalidation. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Headers every IDE response carries. */
const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * A browser navigating to the root. GraphQL clients ask for JSON (or send no Accept, or
 * `*\/*`), and they keep getting GraphQL at `/` as before.
 */
function wantsHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => part.trim().split(';')[0]?.trim() === 'text/html');
}

function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
}

function notModified(req: IncomingMessage, etag: string): boolean {
  const given = req.headers['if-none-match'];
  return given !== undefined && given.split(',').some((tag) => tag.trim() === etag);
}

export function createIde(): Ide {
  const assets = loadIdeAssets();
  const page = Buffer.from(renderIdePage(assets, IDE_EXAMPLES));
  const pageEtag = `"${createHash('sha256').update(page).digest('hex').slice(0, 16)}"`;
  // Compressed on first request, not at start: the gateway's start stays as fast as before.
  const compressed = new Map<string, Promise<Buffer | null>>();
  const gzipped = (asset: Asset): Promise<Buffer | null> => {
    let pending = compressed.get(asset.path);
    if (!pending) {
      pending = new Promise((resolve) =>
        gzip(asset.body, (err, body) => resolve(err ? null : body)),
      );
      compressed.set(asset.path, pending);
    }
    return pending;
  };

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    headers: Record<string, string>,
    body: Buffer,
  ): void {
    res.writeHead(200, { ...headers, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function serveAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
    const headers = {
      ...COMMON_HEADERS,
      'content-type': asset.contentType,
      'cache-control': IMMUTABLE,
      etag: asset.etag,
      vary: 'accept-encoding',
    };
    if (notModified(req, asset.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    if (!acceptsGzip(req)) {
      send(req, res, headers, asset.body);
      return;
    }
    void gzipped(asset).then((body) => {
      if (body) send(req, res, { ...headers, 'content-encoding': 'gzip' }, body);
      else send(req, res, headers, asset.body);
    });
  }

  function servePage(req: IncomingMessage, res: ServerResponse): void {
    const headers = {
      ...COMMON_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      // The page names the assets' current hashes: always revalidated, cheap with the ETag.
      'cache-control': 'no-cache',
      etag: pageEtag,
      // `/` is also the GraphQL endpoint: a cache must key the answer on what was accepted.
      vary: 'accept',
      'content-security-policy': IDE_CONTENT_SECURITY_POLICY,
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    };
    if (notModified(req, pageEtag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    send(req, res, headers, page);
  }

  return {
    route(req, res, path) {
      const readOnly = req.method === 'GET' || req.method === 'HEAD';
      if (path.startsWith(ASSETS_PREFIX)) {
        const asset = assets.byPath.get(path);
        if (!asset || !readOnly) {
          res.writeHead(asset ? 405 : 404, {
            ...COMMON_HEADERS,
            'content-type': 'text/plain; charset=utf-8',
            ...(asset ? { allow: 'GET, HEAD' } : {}),
          });
          res.end(asset ? 'Method not allowed\n' : 'Not found\n');
          return true;
        }
        serveAsset(req, res, asset);
        return true;
      }
      // At /graphql too: a browser opened on the endpoint gets the IDE, never a landing page
      // that loads from the internet.
      if ((path === '/' || path === '/graphql') && readOnly && wantsHtml(req)) {
        servePage(req, res);
        return true;
      }
      return false;
    },
  };
}
