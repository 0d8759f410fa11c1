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
// write anything in it. So list only the proxies themselves, and only proxies that add to (or
// overwrite) the header: one that passes a client's header on unchanged would let the client
// name its own bucket.
//
// An IPv6 client is counted by its /64, the block one subscriber usually holds: counting each
// address would give a holder of a /64 2^64 allowances.
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** An IPv4 address as IPv6 writes it (`::ffff:192.0.2.1`) is that IPv4 address. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** The address's family; null for anything else, a zone id (`fe80::1%eth0`) included. */
function family(address: string): 'ipv4' | 'ipv6' | null {
  if (address.includes('%')) return null;
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : null;
}

/** The eight 16-bit groups of a valid IPv6 address (an embedded IPv4 tail included). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const tail = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(zeros).fill('0'), ...right].map((group) => parseInt(group, 16));
}

/**
 * What an anonymous caller's allowances are counted by: an IPv4 address as it is, an IPv6
 * address's /64 (`2001:db8:0:1::/64`), however either was written; anything else as it is.
 */
export function addressBucket(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const ip = plain(address);
  const kind = family(ip);
  if (kind === 'ipv6') {
    const prefix = ipv6Groups(ip)
      .slice(0, 4)
      .map((group) => group.toString(16));
    return `${prefix.join(':')}::/64`;
  }
  return ip;
}

/**
 * TRUSTED_PROXIES' entries: addresses (`10.0.0.7`, `fd00::1`) and CIDR ranges (`10.0.0.0/8`,
 * `fd00::/8`). Throws naming the first entry that is neither.
 */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [written = '', prefix, extra] = entry.split('/');
    const address = plain(written);
    const kind = family(address);
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
    if (bits === 0) {
      throw new Error(
        `TRUSTED_PROXIES: ${JSON.stringify(entry)} would trust every address, clients included: list the proxies`,
      );
    }
    if (bits === null) list.addAddress(address, kind);
    else list.addSubnet(address, bits, kind);
  }
  return list;
}

function trusted(list: BlockList, address: string): boolean {
  const kind = family(address);
  return kind !== null && list.check(address, kind);
}

/**
 * The client's address: the connection's, or, when that is a trusted proxy, the rightmost
 * address of `X-Forwarded-For` that is not one. When the header is missing, malformed where it
 * matters, or names trusted proxies only, the connection's address (the proxy's), so that those
 * requests share one allowance rather than take one a sender chose.
 */
export function clientAddress(req: IncomingMessage, proxies: BlockList | null): string | undefined {
  const raw = req.socket.remoteAddress;
  if (raw === undefined) return undefined;
  const remote = plain(raw);
  if (proxies === null || !trusted(proxies, remote)) return remote;
  // Node joins repeated X-Forwarded-For lines with ", ", in the order they came (the typings
  // allow a list too).
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
  return remote;
}
