// SIGTERM on an upstream process (DESIGN: graceful shutdown): the writes it is serving are
// finished and acknowledged, the process exits 0, and after a restart every acknowledged
// write is there exactly once.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchUpstream, type LaunchedUpstream } from './test-process.js';

const KEY = 'co-shutdown-key';
let dir: string;
const launched: LaunchedUpstream[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prato-graph-shutdown-'));
  cpSync(inject('dataDir'), dir, { recursive: true });
});

afterAll(() => {
  for (const { child } of launched) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

async function start(latencyMs: number): Promise<LaunchedUpstream> {
  const upstream = await launchUpstream('co', dir, {
    CO_API_KEY: KEY,
    UPSTREAM_LATENCY_MS: String(latencyMs),
  });
  launched.push(upstream);
  return upstream;
}

const closesOn = (() => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + 60);
  return d.toISOString().slice(0, 10);
})();

function publish(url: string, i: number) {
  return request(`${url}/v1/offerte`, {
    method: 'POST',
    headers: {
      'x-api-key': KEY,
      'content-type': 'application/json',
      'idempotency-key': `term-${i}`,
    },
    body: JSON.stringify({
      azienda: 'A000003',
      qualifica: '6.5.3.1.0.11',
      tipologiaContrattuale: 'A.02.00',
      comune: '100005',
      posti: 1,
      dataScadenza: closesOn,
      descrizione: `shutdown-test ${i}`,
    }),
  });
}

describe('SIGTERM', () => {
  it('finishes the writes being served, exits 0, and keeps each acknowledged one exactly once', async () => {
    // Every request waits 400 ms before it is handled: SIGTERM lands while all are in flight.
    const first = await start(400);
    const sent = Array.from({ length: 8 }, (_, i) => publish(first.url, i));
    await new Promise((resolve) => setTimeout(resolve, 100));
    first.child.kill('SIGTERM');
    const answers = await Promise.all(sent);
    const ids = await Promise.all(
      answers.map(async (a) => {
        expect(a.statusCode).toBe(201);
        return ((await a.body.json()) as { id: string }).id;
      }),
    );
    expect(await first.exited).toBe(0);

    const second = await start(0);
    const res = await request(`${second.url}/v1/offerte?azienda=A000003`, {
      headers: { 'x-api-key': KEY },
    });
    const stored = (
      (await res.body.json()) as { offerte: { id: string; descrizione: string }[] }
    ).offerte.filter((o) => o.descrizione.startsWith('shutdown-test '));
    expect(stored.map((o) => o.id).sort()).toEqual([...ids].sort());
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
