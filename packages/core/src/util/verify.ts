import { createHmac, timingSafeEqual, randomBytes } from 'node:crypto';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { IncomingWebhook, VerifyResult } from '../plugin/source.js';
import { header } from './request-body.js';

const COMPARE_KEY = randomBytes(32);

/**
 * Constant-time string comparison. Both sides are HMAC'd first so that neither their content nor
 * their length leaks through timing.
 */
export function safeEqual(a: string, b: string): boolean {
  const da = createHmac('sha256', COMPARE_KEY).update(a).digest();
  const db = createHmac('sha256', COMPARE_KEY).update(b).digest();
  return timingSafeEqual(da, db);
}

/** HTTP Basic auth against configured credentials, compared in constant time. */
export function verifyBasicAuth(request: IncomingWebhook, credentials: { username: string; password: string }): VerifyResult {
  const value = header(request, 'authorization');
  if (!value) return { ok: false, reason: 'missing Authorization header (Basic auth is configured)' };
  const match = /^Basic\s+(.+)$/i.exec(value.trim());
  if (!match) return { ok: false, reason: 'Authorization header is not Basic' };
  // Some platforms' docs (jambonz, Graine) show `Basic user:pass` unencoded; a ':' cannot occur in
  // base64, so such a value has one meaning and is accepted as written.
  const token = match[1]!.trim();
  const decoded = token.includes(':') ? token : Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const username = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  // Evaluate both comparisons so that a wrong username costs the same time as a wrong password.
  const userOk = safeEqual(username, credentials.username);
  const passOk = safeEqual(password, credentials.password);
  return userOk && passOk ? { ok: true } : { ok: false, reason: 'wrong Basic auth credentials' };
}

/** A shared token sent in a header or a query parameter (for platforms that sign nothing). */
export function verifySharedToken(
  request: IncomingWebhook,
  options: { token: string | readonly string[]; header?: string; queryParam?: string },
): VerifyResult {
  const headerName = options.header ?? 'x-callrelay-token';
  const queryParam = options.queryParam ?? 'token';
  let presented = header(request, headerName);
  if (presented === undefined) {
    const auth = header(request, 'authorization');
    const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (bearer) presented = bearer[1];
  }
  if (presented === undefined) presented = request.query[queryParam];
  if (presented === undefined) return { ok: false, reason: `missing token (header ${headerName} or query parameter ${queryParam})` };
  const tokens = typeof options.token === 'string' ? [options.token] : options.token;
  let ok = false;
  for (const token of tokens) ok = safeEqual(presented, token) || ok;
  return ok ? { ok: true } : { ok: false, reason: 'wrong token' };
}

/** One entry of an IP allow-list: an address, or a network and its prefix length. */
export interface IpRange {
  /** The address, or the network address of a range. */
  address: string;
  /** The address family. */
  family: 'ipv4' | 'ipv6';
  /** Prefix length of a CIDR range; undefined for a single address. */
  prefix?: number;
}

/**
 * Reads `203.0.113.10`, `10.0.0.0/8`, `2001:db8::1` or `2001:db8::/32`; undefined for anything else
 * (`10.0.0.300`, `10.0.0.0/99`, `10.0.0.0/8/1`, `/8`, a host name). The one reading shared by the
 * config schemas (`ipRangeSchema`) and {@link IpAllowList}, so what validates is what runs.
 */
export function parseIpRange(entry: string): IpRange | undefined {
  const parts = entry.trim().split('/');
  if (parts.length > 2) return undefined;
  const [address = '', prefixText] = parts;
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family) return undefined;
  if (prefixText === undefined) return { address, family };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= (family === 'ipv4' ? 32 : 128) ? { address, family, prefix } : undefined;
}

/** An IP allow-list of addresses and CIDR ranges (IPv4 and IPv6). */
export class IpAllowList {
  private readonly list = new BlockList();
  /** The entries as configured. */
  readonly entries: readonly string[];
  /** Throws on an entry that {@link parseIpRange} refuses, naming the entry (configs validated with `ipAllowListSchema` never have one). */
  constructor(entries: readonly string[]) {
    this.entries = entries;
    for (const entry of entries) {
      const range = parseIpRange(entry);
      if (!range) throw new Error(`not an IP address or CIDR range: ${JSON.stringify(entry)} (expected an address such as 203.0.113.10 or a range such as 10.0.0.0/8 or 2001:db8::/32)`);
      if (range.prefix === undefined) this.list.addAddress(range.address, range.family);
      else this.list.addSubnet(range.address, range.prefix, range.family);
    }
  }
  /** True when the address is listed or in a listed range (IPv4-mapped IPv6 addresses read as IPv4). */
  allows(remoteAddress: string): boolean {
    const address = remoteAddress.startsWith('::ffff:') && isIPv4(remoteAddress.slice(7)) ? remoteAddress.slice(7) : remoteAddress;
    if (isIPv4(address)) return this.list.check(address, 'ipv4');
    if (isIPv6(address)) return this.list.check(address, 'ipv6');
    return false;
  }
  /** A verification step for a source: ok when the request's client address is allowed. */
  verify(request: IncomingWebhook): VerifyResult {
    return this.allows(request.remoteAddress) ? { ok: true } : { ok: false, reason: `address ${request.remoteAddress} is not in the allow-list` };
  }
}

/** Runs several checks; all must pass. */
export function allOf(...results: VerifyResult[]): VerifyResult {
  return results.find((r) => !r.ok) ?? { ok: true };
}
