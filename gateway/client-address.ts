// The client's address behind trusted reverse proxies (TRUSTED_PROXIES), for the per-caller
// allowances of anonymous callers (the rate limit and the persisted-query registration quota,
// keyed by address when there is no subject).
//
// Behind a load balancer every request comes from the balancer's address: without this, all
// anonymous callers would share one allowance, and one of them could spend it for all. A proxy
// appends the address it received the request from to `X-Forwarded-For`, so the header is read
// from the right: each address that is itself a trusted proxy is skipped, and the first that is
// not is the client. What a client wrote there itself stands further left and is never reached.
// The header is read only when the connection comes from a trusted proxy: anyone else could
// write anything in it.
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** An IPv4 address as IPv6 writes it (`::ffff:192.0.2.1`) is that IPv4 address. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

function family(address: string): 'ipv4' | 'ipv6' | null {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : null;
}

/**
 * TRUSTED_PROXIES' entries: addresses (`10.0.0.7`, `fd00::1`) and CIDR ranges (`10.0.0.0/8`,
 * `fd00::/8`). Throws naming the first entry that is neither.
 */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const kind = family(plain(address));
    const bits = prefix === undefined ? null : Number(prefix);
    const maxBits = kind === 'ipv4' ? 32 : 128;
    if (
      kind === null ||
      extra !== undefined ||
      (bits !== null && (!/^\d{1,3}$/.test(prefix ?? '') || bits > maxBits))
    ) {
      throw new Error(
        `TRUSTED_PROXIES: ${JSON.stringify(entry)} is not an IP address or a CIDR range (for example 10.0.0.7 or 10.0.0.0/8)`,
      );
    }
    if (bits === null) list.addAddress(plain(address), kind);
    else list.addSubnet(plain(address), bits, kind);
  }
  return list;
}

function trusted(list: BlockList, address: string): boolean {
  const kind = family(address);
  return kind !== null && list.check(address, kind);
}

/**
 * The client's address: the connection's, or, when that is a trusted proxy, the rightmost
 * address of `X-Forwarded-For` that is not one. When the header is missing or malformed where it
 * matters, the connection's address (the proxy's): a misconfigured proxy shares one allowance
 * among its clients rather than letting them choose theirs.
 */
export function clientAddress(req: IncomingMessage, proxies: BlockList | null): string | undefined {
  const remote = req.socket.remoteAddress;
  if (remote === undefined || proxies === null) return remote;
  const connection = plain(remote);
  if (!trusted(proxies, connection)) return remote;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => plain(hop.trim()))
    .filter((hop) => hop !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (family(hop) === null) return remote;
    if (!trusted(proxies, hop)) return hop;
  }
  return hops[0] ?? remote;
}
