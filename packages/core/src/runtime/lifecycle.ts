import type { Logger } from 'pino';

/**
 * The stages of a node, in start order; stop runs them in reverse. Intake is the last to open and
 * the first to close, the store the first to open and the last to close: whatever a stage uses
 * belongs to an earlier one.
 */
export const STAGES = ['store', 'admin', 'delivery', 'routing', 'monitor', 'ingest'] as const;
export type Stage = (typeof STAGES)[number];

/** One service's part in starting and stopping the node. */
export interface LifecycleEntry {
  stage: Stage;
  /** Named in the error logged when its stop fails. */
  name: string;
  start?: () => Promise<unknown> | unknown;
  stop?: () => Promise<unknown> | unknown;
}

/**
 * Start and stop order of the node. Each container module declares its entries beside its bindings
 * (on activation of this service), so the order lives where each service is bound rather than in a
 * hand-written sequence. inversify's own `unbindAll` runs every deactivation at once, which cannot
 * express "intake closed before the workers stop, the store closed last": hence the stages.
 */
export class Lifecycle {
  private readonly entries: LifecycleEntry[] = [];
  private started: LifecycleEntry[] = [];

  constructor(private readonly logger: Logger) {}

  add(entry: LifecycleEntry): void {
    this.entries.push(entry);
  }

  /**
   * Starts the stages in order; entries of one stage one after another, in the order they were
   * added. A failure stops what was started (in reverse) and is thrown.
   */
  async start(): Promise<void> {
    for (const stage of STAGES) {
      for (const entry of this.entries.filter((e) => e.stage === stage)) {
        // Stopped even when its start failed halfway (a listener that opened, a source that did not).
        this.started.push(entry);
        await entry.start?.();
      }
    }
  }

  /**
   * Stops what was started, stages in reverse order; the entries of one stage at once (sink workers
   * drain side by side). A failing stop is logged, and the rest still stops.
   */
  async stop(): Promise<void> {
    const started = this.started;
    this.started = [];
    for (const stage of [...STAGES].reverse()) {
      await Promise.all(started.filter((e) => e.stage === stage).map(async (entry) => {
        try {
          await entry.stop?.();
        } catch (err) {
          this.logger.error({ err, what: entry.name }, 'error while stopping');
        }
      }));
    }
  }
}
