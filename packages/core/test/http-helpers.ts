import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { type IncomingWebhook, type Source } from '@callrelay/core';
import { IngestServer, RuntimeMetrics, type IngestServerOptions } from '@callrelay/core/host';
import { MemoryStore } from '@callrelay/testkit';

/** Log lines written by a test's logger, parsed. */
export interface CapturedLog {
  logger: Logger;
  lines: Record<string, unknown>[];
}

export function captureLog(): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** A source that accepts everything, stores nothing and remembers what it was handed. */
export function recordingSource(overrides: Partial<Source> = {}): { source: Source; seen: IncomingWebhook[] } {
  const seen: IncomingWebhook[] = [];
  return {
    seen,
    source: {
      methods: ['POST', 'GET'],
      verify(request) {
        seen.push(request);
        return { ok: true };
      },
      parse: () => [],
      ...overrides,
    },
  };
}

/** An ingest server on loopback with the given sources (id → source), each at `/hooks/<id>`. */
export async function serveSources(
  sources: Record<string, Source>,
  options: Partial<IngestServerOptions> = {},
  logger: Logger = pino({ level: 'silent' }),
) {
  const store = new MemoryStore();
  const metrics = new RuntimeMetrics(undefined, { defaultMetrics: false });
  const mounted = Object.entries(sources).map(([id, source]) => ({ id, route: `/hooks/${id}`, platform: 'test', source }));
  const server = new IngestServer(mounted, { host: '127.0.0.1', port: 0, bodyLimit: '1mb', trustProxy: false, ...options }, { store, metrics, logger });
  const address = await server.listen();
  const base = `http://127.0.0.1:${address.port}`;
  return { server, store, metrics, base, port: address.port, close: () => server.close() };
}
