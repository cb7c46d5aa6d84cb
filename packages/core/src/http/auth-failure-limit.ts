import ipaddr from 'ipaddr.js';

/** `server.authFailureLimit`: failed authentications a client may make at once, and per minute after that. */
export interface AuthFailureLimitOptions {
  burst: number;
  perMinute: number;
}

// Clients tracked at once. Beyond this the least recently failing is forgotten: an attacker with
// many addresses can only make the table forget, never make it grow.
const MAX_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket of failed authentications per client address: each 401 takes a token, tokens come
 * back at `perMinute`, and a client without a token is answered 429 before its credentials are
 * even looked at, so that guessing a password or token costs time. Addresses are grouped as an
 * attacker gets them: one IPv4 address, one IPv6 /64 (a single host usually holds a whole /64).
 */
export class AuthFailureLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;

  constructor(private readonly options: AuthFailureLimitOptions, private readonly now: () => number = Date.now) {
    if (!(options.burst >= 1) || !(options.perMinute > 0)) throw new Error('authFailureLimit: burst must be at least 1 and perMinute above 0');
    this.refillPerMs = options.perMinute / 60_000;
  }

  /** Whole seconds this client must wait before it may try again; 0 when it may try now. */
  retryAfterSeconds(address: string): number {
    const bucket = this.refilled(clientKey(address));
    if (!bucket || bucket.tokens >= 1) return 0;
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000));
  }

  /** Counts one failed authentication; true when it used the client's last token (it is now limited). */
  recordFailure(address: string): boolean {
    const key = clientKey(address);
    const bucket = this.refilled(key) ?? { tokens: this.options.burst, at: this.now() };
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    // Re-inserted so that the map's order is least recently failing first.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > MAX_CLIENTS) this.buckets.delete(this.buckets.keys().next().value!);
    return bucket.tokens < 1;
  }

  /** Clients currently tracked (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string): Bucket | undefined {
    const bucket = this.buckets.get(key);
    if (!bucket) return undefined;
    const now = this.now();
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + (now - bucket.at) * this.refillPerMs);
    bucket.at = now;
    if (bucket.tokens >= this.options.burst) {
      // Back to a full bucket: nothing left to remember.
      this.buckets.delete(key);
      return undefined;
    }
    return bucket;
  }
}

/** The unit an attacker gets: an IPv4 address, or the /64 of an IPv6 address. */
export function clientKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}
