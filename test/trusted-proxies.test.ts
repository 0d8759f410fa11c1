// Anonymous callers behind a reverse proxy (TRUSTED_PROXIES): each keeps its own allowance,
// named by the X-Forwarded-For the proxy adds; a gateway that trusts no proxy ignores the
// header, which any client can write. Requests are counted, never timed.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startStack, type Stack } from './stack.js';

let stack: Stack;
/** One request per caller, next to no refill. */
const limits = { rateLimit: { perSecond: 0.001, burst: 1 } };
let behindProxy: string;
let direct: string;

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir') });
  // The tests' requests come from 127.0.0.1: to the first gateway, that is its proxy.
  behindProxy = await stack.startGateway({ limits, trustedProxies: ['127.0.0.1', '::1'] });
  direct = await stack.startGateway({ limits });
});

afterAll(async () => {
  await stack?.stop();
});

async function status(url: string, forwardedFor: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('anonymous allowances behind a trusted proxy', () => {
  it('counts each client the proxy names against its own allowance', async () => {
    expect(await status(behindProxy, '198.51.100.1')).toBe(200);
    expect(await status(behindProxy, '198.51.100.1')).toBe(429);
    expect(await status(behindProxy, '198.51.100.2')).toBe(200);
    // What a client wrote itself, left of what the proxy added, changes nothing.
    expect(await status(behindProxy, '203.0.113.9, 198.51.100.2')).toBe(429);
  });

  it('ignores the header when the connection is not a trusted proxy', async () => {
    expect(await status(direct, '198.51.100.3')).toBe(200);
    expect(await status(direct, '198.51.100.4')).toBe(429);
  });
});
