import type { Logger } from 'pino';
import type { ResolvedSource } from '../config/load.js';
import type { HostedConnector, PluginHost } from '../plugin/host.js';
import type { Source } from '../plugin/source.js';
import type { MountedSource } from '../http/ingest.js';
import { sameSettings } from './reload.js';

interface HostedSource {
  config: ResolvedSource;
  hosted: HostedConnector<Source>;
}

/** Sources created (and started) for a configuration, not yet mounted. */
export interface PreparedSources {
  sources: HostedSource[];
  created: HostedSource[];
}

/**
 * The sources of the node, each created and started in its own child container. On reload, a
 * source whose settings did not change keeps its instance; new and changed ones are started before
 * they are mounted; the ones replaced are stopped once the new routes are in place.
 */
export class Sources {
  private current: HostedSource[] = [];

  constructor(private readonly host: PluginHost, private readonly deps: { logger: Logger; baseDir: string }) {}

  /** What the ingest server mounts. */
  get mounted(): MountedSource[] {
    return this.current.map(({ config, hosted }) => ({
      id: config.id, route: config.route, platform: config.definition.platform ?? config.definition.type, defaultCountry: config.defaultCountry, source: hosted.instance,
    }));
  }

  async prepare(sources: readonly ResolvedSource[]): Promise<PreparedSources> {
    const prepared: PreparedSources = { sources: [], created: [] };
    try {
      for (const config of sources) {
        const same = this.current.find((s) => s.config.id === config.id && sameSettings(s.config, config));
        if (same) {
          prepared.sources.push(same);
          continue;
        }
        const hosted = await this.host.hostConnector(config.id, config.definition, config.options, this.deps.baseDir);
        prepared.sources.push({ config, hosted });
        prepared.created.push({ config, hosted });
      }
    } catch (err) {
      await this.discard(prepared);
      throw err;
    }
    return prepared;
  }

  async discard(prepared: PreparedSources): Promise<void> {
    await this.release(prepared.created);
  }

  /** Takes `prepared` as the current sources; returns a function that stops the ones it replaced. */
  apply(prepared: PreparedSources): () => Promise<void> {
    const kept = new Set(prepared.sources);
    const retired = this.current.filter((s) => !kept.has(s));
    this.current = prepared.sources;
    return () => this.release(retired);
  }

  async stop(): Promise<void> {
    const all = this.current;
    this.current = [];
    await this.release(all);
  }

  private async release(sources: readonly HostedSource[]): Promise<void> {
    await Promise.all(sources.map(({ config, hosted }) => hosted.dispose().catch((err: unknown) => {
      this.deps.logger.error({ err, source: config.id }, 'error while stopping a source');
    })));
  }
}
