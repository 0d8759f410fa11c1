import { describe, expect, it } from 'vitest';
import { RevalidatingDocument } from './revalidating-document.js';
import type { UpstreamResponse } from './upstream-client.js';

function fakeUpstream() {
  const calls: (string | undefined)[] = [];
  let version = 1;
  return {
    calls,
    bump: () => version++,
    fetch: (etag: string | undefined): Promise<UpstreamResponse> => {
      calls.push(etag);
      const current = `"v${version}"`;
      return Promise.resolve(
        etag === current
          ? { status: 304, etag: current, body: null }
          : { status: 200, etag: current, body: { version } },
      );
    },
  };
}

describe('RevalidatingDocument', () => {
  it('serves the copy while fresh, revalidates with the ETag once stale, and replaces it only when changed', async () => {
    let now = 0;
    const upstream = fakeUpstream();
    const doc = new RevalidatingDocument({
      fetch: upstream.fetch,
      decode: (b) => b as { version: number },
      maxAgeMs: 100,
      now: () => now,
    });
    expect(await doc.get()).toEqual({ version: 1 });
    now = 50;
    expect(await doc.get()).toEqual({ version: 1 });
    expect(upstream.calls).toEqual([undefined]);
    now = 150;
    expect(await doc.get()).toEqual({ version: 1 });
    expect(upstream.calls).toEqual([undefined, '"v1"']);
    upstream.bump();
    now = 300;
    expect(await doc.get()).toEqual({ version: 2 });
    expect(upstream.calls).toEqual([undefined, '"v1"', '"v1"']);
  });

  it('coalesces concurrent callers into one upstream request', async () => {
    const upstream = fakeUpstream();
    const doc = new RevalidatingDocument({
      fetch: upstream.fetch,
      decode: (b) => b,
      maxAgeMs: 1000,
    });
    await Promise.all([doc.get(), doc.get(), doc.get()]);
    expect(upstream.calls).toHaveLength(1);
  });
});
