import path from 'node:path';
import {
  defineSink, retryableFailure, type BatchDelivery, type BatchDeliveryContext, type CallEvent, type ConnectorContext, type DeliveryContext, type Sink,
} from '@callrelay/core';
import { compileColumns, type CompiledColumns } from './columns.js';
import { csvConfig, type CsvConfig } from './config.js';
import { CsvAppender } from './csv-appender.js';
import { datedPath } from './file-names.js';
import { dayInZone, formatInZone } from './time-zone.js';

export { csvConfig, type CsvConfig } from './config.js';
export { compileColumns, DEFAULT_COLUMNS, type ColumnSpec, type CompiledColumns } from './columns.js';
export { neutraliseFormula, csvRecord } from './cells.js';
export { CsvAppender, type CsvAppenderOptions } from './csv-appender.js';
export { datedPath, withIndex } from './file-names.js';
export { formatInZone, dayInZone } from './time-zone.js';

/** Appends one row per event to a CSV file. */
export class CsvSink implements Sink {
  private readonly columns: CompiledColumns;
  private readonly appender: CsvAppender;
  private readonly file: string;
  private readonly daily: boolean;
  private closed = false;

  constructor(private readonly config: CsvConfig, private readonly context: ConnectorContext) {
    this.columns = compileColumns(config.columns, { timeZone: config.timeZone, escapeFormulas: config.escapeFormulas, formatTime: formatInZone });
    this.appender = new CsvAppender({ headers: this.columns.headers, fsync: config.fsync, maxBytes: config.rotate.maxBytes });
    this.file = path.resolve(context.baseDir, config.path);
    this.daily = config.rotate.every === 'day' || config.path.includes('{date}');
  }

  async deliver(event: CallEvent, delivery: DeliveryContext): Promise<void> {
    if (this.closed) throw retryableFailure('the CSV sink is closed (shutting down)');
    const file = this.currentFile();
    try {
      await this.appender.append(file, this.columns.row(event), delivery.signal);
    } catch (err) {
      // Permissions, a full disk, a folder in the way, an aborted attempt: all can pass (an operator
      // fixes the folder, the next attempt has time), so retry; maxAttempts bounds it.
      const why = delivery.signal.aborted && err === delivery.signal.reason
        ? `the attempt was aborted before the row was written (${describeWriteError(err)})`
        : describeWriteError(err);
      throw retryableFailure(`appending to ${file}: ${why}`, { cause: err });
    }
  }

  /**
   * A batch is one write and one fsync: every row lands, or the batch is retried (rows that did
   * reach the file before a failure may be written again: at least once, never lost).
   */
  async deliverBatch(items: readonly BatchDelivery[], context: BatchDeliveryContext): Promise<void[]> {
    if (this.closed) throw retryableFailure('the CSV sink is closed (shutting down)');
    const file = this.currentFile();
    try {
      await this.appender.appendMany(file, items.map((item) => this.columns.row(item.event)), context.signal);
    } catch (err) {
      const why = context.signal.aborted && err === context.signal.reason
        ? `the attempt was aborted before the rows were written (${describeWriteError(err)})`
        : describeWriteError(err);
      throw retryableFailure(`appending ${items.length} rows to ${file}: ${why}`, { cause: err });
    }
    return items.map(() => undefined);
  }

  /** Waits for rows already being written; later deliveries are refused (retried elsewhere or after restart). */
  async close(): Promise<void> {
    this.closed = true;
    await this.appender.drain();
  }

  /** The file of this moment: the day comes from the injected clock (when the row is written). */
  private currentFile(): string {
    return this.daily ? datedPath(this.file, dayInZone(this.context.clock.now(), this.config.timeZone)) : this.file;
  }
}

function describeWriteError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // fs errors carry a string code (ENOSPC); a DOMException's numeric code says nothing.
  const code: unknown = (err as { code?: unknown }).code;
  return typeof code === 'string' && !message.startsWith(code) ? `${code}: ${message}` : message;
}

/** The `csv` sink: one RFC 4180 row per event, appended to a file. */
const csv = defineSink({
  type: 'csv',
  description: 'Appends one RFC 4180 row per event to a CSV file (header once, chosen columns, time zone, daily and size rotation, fsync).',
  config: csvConfig,
  example: { type: 'csv', path: 'data/calls-{date}.csv', timeZone: 'Europe/Berlin', columns: ['occurredAt', 'type', 'from.e164', 'agent.extension', 'talkSeconds'] },
  create: (config, context) => new CsvSink(config, context),
});
export default csv;
