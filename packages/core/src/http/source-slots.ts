/**
 * Requests in progress per source (being read, verified, parsed or stored), capped. A request over
 * the cap is answered at once (503 with Retry-After) instead of waiting: a waiting request would
 * hold its connection, and its body would arrive anyway.
 */
export class SourceSlots {
  private readonly inProgress = new Map<string, number>();

  constructor(private readonly perSource: number) {}

  /** Takes a slot of the source; false when all are taken. */
  acquire(sourceId: string): boolean {
    const count = this.inProgress.get(sourceId) ?? 0;
    if (count >= this.perSource) return false;
    this.inProgress.set(sourceId, count + 1);
    return true;
  }

  release(sourceId: string): void {
    const count = (this.inProgress.get(sourceId) ?? 1) - 1;
    if (count > 0) this.inProgress.set(sourceId, count);
    else this.inProgress.delete(sourceId);
  }

  /** Requests of the source in progress now. */
  count(sourceId: string): number {
    return this.inProgress.get(sourceId) ?? 0;
  }
}
