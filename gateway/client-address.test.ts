// The client's address behind trusted proxies: X-Forwarded-For read from the right, only from a
// trusted connection, never an address a client wrote itself. End to end: test/trusted-proxies.test.ts.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { readTrustedProxies } from './config.js';
import { addressBucket, clientAddress, trustedProxyList } from './client-address.js';

const request = (remoteAddress: string, forwardedFor?: string | string[]): IncomingMessage =>
  ({
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

const proxies = trustedProxyList(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);

describe('clientAddress', () => {
  it('is the connection when no proxy is trusted, or the connection is not one', () => {
    expect(clientAddress(request('203.0.113.5', '198.51.100.1'), null)).toBe('203.0.113.5');
    expect(clientAddress(request('203.0.113.5', '198.51.100.1'), proxies)).toBe('203.0.113.5');
  });

  it('is the rightmost address a trusted proxy did not add, whatever the client wrote left of it', () => {
    expect(clientAddress(request('10.1.2.3', '198.51.100.1'), proxies)).toBe('198.51.100.1');
    // Two proxies: the balancer (10.1.2.3) and an inner one (192.0.2.7).
    expect(clientAddress(request('10.1.2.3', '198.51.100.1, 192.0.2.7'), proxies)).toBe(
      '198.51.100.1',
    );
    // A client that sends its own header: its entries stand left of the one the proxy added.
    expect(clientAddress(request('10.1.2.3', '1.1.1.1, 10.9.9.9, 198.51.100.1'), proxies)).toBe(
      '198.51.100.1',
    );
    expect(clientAddress(request('10.1.2.3', ['not-an-address', '198.51.100.1']), proxies)).toBe(
      '198.51.100.1',
    );
  });

  it('reads IPv6, and IPv4 written as IPv6', () => {
    expect(clientAddress(request('::ffff:10.1.2.3', '2001:db8::1'), proxies)).toBe('2001:db8::1');
    expect(clientAddress(request('fd00::5', '::ffff:198.51.100.1'), proxies)).toBe('198.51.100.1');
    expect(clientAddress(request('::ffff:198.51.100.1'), null)).toBe('198.51.100.1');
  });

  it("falls back to the proxy's own address when the header is missing or malformed where it counts", () => {
    expect(clientAddress(request('10.1.2.3'), proxies)).toBe('10.1.2.3');
    expect(clientAddress(request('10.1.2.3', '198.51.100.1, garbage'), proxies)).toBe('10.1.2.3');
    expect(clientAddress(request('10.1.2.3', 'fe80::1%eth0'), proxies)).toBe('10.1.2.3');
    // Trusted hops only: not an address a sender chose among them.
    expect(clientAddress(request('10.1.2.3', '10.66.66.66, 10.5.5.5'), proxies)).toBe('10.1.2.3');
  });
});

describe('addressBucket', () => {
  it('counts an IPv6 client by its /64, however the address is written', () => {
    expect(addressBucket('2001:db8:0:1:aaaa::1')).toBe('2001:db8:0:1::/64');
    expect(addressBucket('2001:0DB8:0000:0001:ffff:ffff:ffff:ffff')).toBe('2001:db8:0:1::/64');
    expect(addressBucket('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(addressBucket('64:ff9b::198.51.100.1')).toBe('64:ff9b:0:0::/64');
  });

  it('keeps an IPv4 address as it is, also written as IPv6', () => {
    expect(addressBucket('198.51.100.1')).toBe('198.51.100.1');
    expect(addressBucket('::ffff:198.51.100.1')).toBe('198.51.100.1');
    expect(addressBucket(undefined)).toBeUndefined();
  });
});

describe('TRUSTED_PROXIES', () => {
  it('takes addresses and CIDR ranges, and refuses anything else naming it', () => {
    expect(readTrustedProxies({})).toEqual([]);
    expect(readTrustedProxies({ TRUSTED_PROXIES: ' 10.0.0.0/8, fd00::1 ,' })).toEqual([
      '10.0.0.0/8',
      'fd00::1',
    ]);
    for (const bad of [
      'proxy.internal',
      '10.0.0.0/33',
      '10.0.0.0/8/1',
      '10.0.0.0/x',
      '::/129',
      'fe80::1%eth0',
    ]) {
      expect(() => readTrustedProxies({ TRUSTED_PROXIES: bad })).toThrow(
        `TRUSTED_PROXIES: ${JSON.stringify(bad)} is not an IP address or a CIDR range`,
      );
    }
    for (const everyone of ['0.0.0.0/0', '::/0']) {
      expect(() => readTrustedProxies({ TRUSTED_PROXIES: everyone })).toThrow(
        'would trust every address, clients included',
      );
    }
  });
});
