/**
 * registry: the Province desk registry (API.md "registry"). The whole registry is
 * one document with a strong ETag; clients revalidate with If-None-Match.
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { badParameter, listBody, ok, type Reply, type Route, type RouteContext } from '../http.js';
import { PATTERNS } from './common.js';

interface TaggedDocument {
  body: string;
  etag: string;
}

function tagged(body: string): TaggedDocument {
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function conditional(ctx: RouteContext, doc: TaggedDocument): Reply {
  ctx.query.done();
  const inm = ctx.headers['if-none-match'];
  const headers = { etag: doc.etag, 'cache-control': 'no-cache' };
  if (typeof inm === 'string') {
    const tags = inm.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (tags.includes(doc.etag) || tags.includes('*')) return { status: 304, body: null, headers };
  }
  return ok(doc.body, headers);
}

export function registryRoutes(db: Database.Database): Route[] {
  const revision = db.prepare<[], string>("SELECT value FROM meta WHERE key = 'revisione'").pluck();
  const desks = db.prepare<[], string>('SELECT doc FROM sportelli ORDER BY ordine').pluck();
  const hosts = db.prepare<[], string>('SELECT doc FROM enti ORDER BY ordine').pluck();
  const comuni = db.prepare<[], string>('SELECT doc FROM comuni ORDER BY istat').pluck();
  // Built once from the file; a write path must rebuild it (and so change the tag).
  const registry = tagged(
    `{"revisione":${JSON.stringify(revision.get() ?? null)},"sportelli":[${desks.all().join(',')}],"enti":[${hosts.all().join(',')}]}`,
  );
  const comuniDoc = tagged(listBody('comuni', comuni.all()));

  const activityAll = db.prepare<[string, string], Record<string, unknown>>(
    'SELECT sportello, mese, servizio, numero FROM attivita WHERE mese BETWEEN ? AND ? ORDER BY sportello, mese, servizio',
  );
  const activityFor = db.prepare<[string, string, string], Record<string, unknown>>(
    'SELECT sportello, mese, servizio, numero FROM attivita WHERE mese BETWEEN ? AND ? AND sportello IN (SELECT value FROM json_each(?)) ORDER BY sportello, mese, servizio',
  );

  return [
    { method: 'GET', pattern: '/v1/sportelli', handle: (ctx) => conditional(ctx, registry) },
    { method: 'GET', pattern: '/v1/comuni', handle: (ctx) => conditional(ctx, comuniDoc) },
    {
      method: 'GET',
      pattern: '/v1/attivita',
      handle: ({ query }) => {
        const desksAsked = query.list(
          'sportelli',
          50,
          PATTERNS.desk,
          'codice sportello non valido',
        );
        const from = query.month('dal');
        const to = query.month('al');
        query.done();
        if (from === undefined) throw badParameter('dal: parametro obbligatorio');
        if (to === undefined) throw badParameter('al: parametro obbligatorio');
        if (from > to) throw badParameter(`dal (${from}) successivo ad al (${to})`);
        const rows = desksAsked
          ? activityFor.all(from, to, JSON.stringify(desksAsked))
          : activityAll.all(from, to);
        return ok(`{"attivita":${JSON.stringify(rows)}}`);
      },
    },
  ];
}
