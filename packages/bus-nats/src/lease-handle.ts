import type { NatsBackend } from './backend.js';
import { nanos } from './backend.js';

type State = 'held' | 'settling' | 'settled' | 'expired';

/**
 * The node-side half of a lease on one JetStream delivery.
 *
 * JetStream's ack wait is fixed per consumer (`ackWaitMs`), while callers ask for a lease length
 * per claim. The mapping: the server's ack wait bounds how long a vanished node keeps an item; a
 * live node keeps a longer lease alive with progress signals (`+WPI`, i.e. `msg.working()`) every
 * third of the ack wait, and when its own lease ends unsettled it hands the item back at once (NAK).
 * Once the lease has ended here, a late ack or retry is ignored: on the server it would settle
 * whatever delivery of the message is current, possibly another node's.
 */
export class LeaseHandle {
  private state: State = 'held';
  private expiresAt = 0;
  private deadline?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly backend: NatsBackend,
    /** The delivery's ack subject. */
    readonly reply: string,
    leaseMs: number,
    private readonly onEnd: (handle: LeaseHandle) => void,
  ) {
    this.arm(leaseMs);
  }

  get held(): boolean {
    return this.state === 'held';
  }

  /** Acknowledges; false when the lease had already ended here. */
  ack(): Promise<boolean> {
    return this.settle('+ACK');
  }

  /** Hands the item back, to be delivered again after `delayMs`. False when the lease had ended. */
  nak(delayMs: number): Promise<boolean> {
    return this.settle(delayMs > 0 ? `-NAK ${JSON.stringify({ delay: nanos(delayMs) })}` : '-NAK');
  }

  /** Extends the lease to `leaseMs` from now (and resets the server's ack wait). */
  async extend(leaseMs: number): Promise<void> {
    if (this.state !== 'held') return;
    this.arm(leaseMs);
    await this.backend.window.run(() => this.backend.requests.request(this.reply, '+WPI'));
  }

  /** Ends the lease without telling the server (the connection is going away). */
  abandon(): void {
    this.end('expired');
  }

  private arm(leaseMs: number): void {
    clearTimeout(this.deadline);
    clearInterval(this.heartbeat);
    this.expiresAt = Date.now() + leaseMs;
    this.deadline = setTimeout(() => void this.expire(), leaseMs);
    this.deadline.unref();
    const ackWaitMs = this.backend.options.ackWaitMs;
    if (leaseMs > ackWaitMs) {
      this.heartbeat = setInterval(() => {
        if (this.state === 'held') this.backend.fireAck(this.reply, '+WPI');
      }, Math.max(100, Math.floor(ackWaitMs / 3)));
      this.heartbeat.unref();
    }
  }

  private async expire(): Promise<void> {
    if (this.state !== 'held') return;
    this.end('expired');
    // Best effort: if this NAK is lost the server's ack wait hands the item out anyway.
    this.backend.fireAck(this.reply, '-NAK');
  }

  private async settle(body: string): Promise<boolean> {
    if (this.state !== 'held') return false;
    this.state = 'settling';
    try {
      // A request, not a publish: the server confirms, so an ack that resolved is an ack that counted.
      await this.backend.window.run(() => this.backend.requests.request(this.reply, body));
    } catch (err) {
      this.failed();
      throw err;
    }
    this.end('settled');
    return true;
  }

  /**
   * Acknowledges the deliveries of one consumer together; answers, for each handle, whether it
   * counted (false: its lease had already ended here). One confirmed round trip for all: every ack
   * but the last is a plain publish, the last a request. The server reads a connection's messages
   * in order and handles a consumer's acks in the order they arrive, so its answer to the last ack
   * comes after it handled the ones before. Without an answer (timeout, connection lost) every
   * handle stays held, as after a failed {@link ack}: the items are handed out again if unsettled.
   */
  static async ackAll(backend: NatsBackend, handles: readonly LeaseHandle[]): Promise<boolean[]> {
    const settling = new Set(handles.filter((h) => h.state === 'held'));
    if (!settling.size) return handles.map(() => false);
    const acks = [...settling];
    for (const h of acks) h.state = 'settling';
    try {
      await backend.window.run(() => {
        for (const h of acks.slice(0, -1)) backend.nc.publish(h.reply, '+ACK');
        return backend.requests.request(acks.at(-1)!.reply, '+ACK');
      });
    } catch (err) {
      for (const h of acks) h.failed();
      throw err;
    }
    for (const h of acks) h.end('settled');
    return handles.map((h) => settling.has(h));
  }

  /** A settlement was not confirmed: still held, unless the lease ran out meanwhile. */
  private failed(): void {
    this.state = 'held';
    if (Date.now() >= this.expiresAt) void this.expire();
  }

  private end(state: State): void {
    this.state = state;
    clearTimeout(this.deadline);
    clearInterval(this.heartbeat);
    this.onEnd(this);
  }
}
