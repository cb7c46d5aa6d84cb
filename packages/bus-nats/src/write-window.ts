/**
 * Starts the NATS operations handed to it within one turn of the event loop together, so that
 * they leave in one socket write: a group commit with no timer.
 *
 * The NATS client writes its outbound buffer in a microtask queued by the first command of a
 * run of synchronous code. On a busy node every webhook arrives in its own I/O callback, and the
 * routing and delivery steps resume in their own promise continuations, so each publish, ack or
 * read would otherwise be its own write(2): a fifth of the node's CPU under load (profile in
 * docs/performance.md). Operations queued here start in the check phase (`setImmediate`) of the
 * turn, after every I/O callback of the poll phase, one after the other, so they share one write;
 * the server then answers them together too (their PubAcks arrive in one read). The delay is one
 * turn of the loop, well under a millisecond under load.
 *
 * An operation must issue its requests synchronously when called (PipelinedRequests, js.publish,
 * nc.request and nc.publish do), or it leaves after the shared write.
 */
export class WriteWindow {
  private pending: (() => void)[] = [];

  /** Runs `operation` at the end of this turn of the event loop, with the others queued meanwhile. */
  run<T>(operation: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.pending.length) setImmediate(() => this.flush());
      this.pending.push(() => {
        try {
          operation().then(resolve, reject);
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  private flush(): void {
    const operations = this.pending;
    this.pending = [];
    for (const start of operations) start();
  }
}
