import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';
import { IpAllowList, parseIpRange } from '../util/verify.js';

/**
 * `server.trustProxy`: `false` (the socket peer is the client), a number of proxy hops in front of
 * callrelay, or the addresses and CIDR ranges of the proxies (and the range names `loopback`,
 * `linklocal`, `uniquelocal`, as Express names them).
 */
export type TrustProxySetting = false | number | readonly string[];

/** The ranges behind the names Express and proxy-addr accept in a trust list. */
export const PROXY_RANGE_NAMES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Why `trustProxy: true` is refused, for the config error and for embedders. */
export const TRUST_PROXY_TRUE_REFUSED = 'trustProxy: true would take the client address from X-Forwarded-For sent by anyone, '
  + 'so any client could pass an IP allow-list by sending the header; name the proxies in front of callrelay '
  + 'instead: their addresses or CIDR ranges (trustProxy: [10.0.0.5, 10.1.0.0/16], or [loopback] for a proxy on '
  + 'the same host), or the number of proxies (trustProxy: 1); the client is the rightmost X-Forwarded-For '
  + 'address that is not a trusted proxy';

/** Why one entry of a `trustProxy` list is not usable, or undefined when it is. */
export function proxyEntryProblem(entry: string): string | undefined {
  if (Object.hasOwn(PROXY_RANGE_NAMES, entry)) return undefined;
  const range = parseIpRange(entry);
  if (!range) return `"${entry}" is not an IP address, a CIDR range or one of ${Object.keys(PROXY_RANGE_NAMES).join(', ')}`;
  if (range.prefix === 0) return `"${entry}" trusts every address: ${TRUST_PROXY_TRUE_REFUSED}`;
  return undefined;
}

/**
 * An address as it appears in X-Forwarded-For, without the port some proxies append
 * (`203.0.113.7:51234`, `[2001:db8::1]:443`) and IPv4-mapped IPv6 written as IPv4.
 */
export function normalizeAddress(raw: string): string {
  let address = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  if (!ipaddr.isValid(address)) return address;
  return ipaddr.process(address).toString();
}

/** Where a request came from, as far as the configured proxies can vouch. */
export interface ClientOrigin {
  /** The client's address: the socket peer, or behind trusted proxies the first untrusted hop. */
  address: string;
  /** `X-Forwarded-Proto` / `-Host`, only when the socket peer is a trusted proxy. */
  forwardedProto?: 'http' | 'https';
  forwardedHost?: string;
}

/**
 * Finds the client of a request behind the configured proxies. X-Forwarded-For is read from the
 * right: each address added by a trusted proxy is skipped, and the first address not trusted is the
 * client (proxy-addr, as Express does). Anything a client writes to the left of that is ignored,
 * so a forged header cannot pass an IP allow-list. Without trusted proxies the header is ignored.
 */
export class ClientAddressResolver {
  private readonly trust?: (address: string, hop: number) => boolean;

  constructor(setting: TrustProxySetting) {
    if ((setting as unknown) === true) throw new Error(TRUST_PROXY_TRUE_REFUSED);
    if (typeof setting === 'number') {
      if (!Number.isInteger(setting) || setting < 1) throw new Error(`trustProxy: a hop count is a whole number of 1 or more, found ${setting}`);
      this.trust = (_address, hop) => hop < setting;
    } else if (Array.isArray(setting) && setting.length) {
      const problems = setting.map(proxyEntryProblem).filter((p): p is string => p !== undefined);
      if (problems.length) throw new Error(`trustProxy: ${problems.join('; ')}`);
      const proxies = new IpAllowList(setting.flatMap((entry) => (Object.hasOwn(PROXY_RANGE_NAMES, entry) ? PROXY_RANGE_NAMES[entry]! : [entry])));
      this.trust = (address) => proxies.allows(normalizeAddress(address));
    }
  }

  resolve(req: IncomingMessage): ClientOrigin {
    const peer = req.socket.remoteAddress ?? '';
    if (!this.trust || !peer || !this.trust(peer, 0)) return { address: normalizeAddress(peer) };
    const origin: ClientOrigin = { address: normalizeAddress(proxyaddr(req, this.trust) ?? peer) };
    const proto = firstValue(req.headers['x-forwarded-proto'])?.toLowerCase();
    if (proto === 'http' || proto === 'https') origin.forwardedProto = proto;
    const host = firstValue(req.headers['x-forwarded-host']);
    if (host && /^[a-z0-9.\-[\]:]+$/i.test(host)) origin.forwardedHost = host;
    return origin;
  }
}

/** The first of a comma-separated header's values (the one the outermost proxy wrote). */
function firstValue(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  const first = text?.split(',')[0]?.trim();
  return first || undefined;
}
