import path from 'node:path';
import { defineSink, retryableFailure, z } from '@callrelay/core';
import { columnSchema, compileColumns, DEFAULT_COLUMNS, formatInZone } from './columns.js';
import { CsvAppender } from './csv-file.js';

export { compileColumns, formatInZone, DEFAULT_COLUMNS } from './columns.js';
export { CsvAppender } from './csv-file.js';

const timeZone = z.string().default('UTC').refine((tz) => {
  try { new Intl.DateTimeFormat('en', { timeZone: tz }); return true; } catch { return false; }
}, 'an IANA time zone such as Europe/Berlin or America/New_York');

export const csvConfig = z.object({
  path: z.string().min(1).meta({
    description: 'File to append to, relative to the config file. With daily rotation, `{date}` in the name is replaced by the day (YYYY-MM-DD in `timeZone`); without it the date goes before the extension.',
    examples: ['data/calls.csv', 'logs/calls-{date}.csv'],
  }),
  columns: z.array(columnSchema).min(1).default(DEFAULT_COLUMNS)
    .meta({ description: 'Columns: canonical field paths (`from.e164`, `call.answeredBy`, `details.mos`) or `{header, field}`. `a|b` takes the first field with a value.' }),
  timeZone: timeZone.meta({ description: 'Time zone of timestamp columns (written as `YYYY-MM-DD HH:mm:ss+hh:mm`).' }),
  rotate: z.object({
    every: z.enum(['day']).optional().meta({ description: 'Start a new file every day.' }),
    maxBytes: z.number().int().min(1024).optional().meta({ description: 'Start a new file (`name.1.csv`, `name.2.csv`...) when the current one would exceed this size.' }),
  }).strict().default({}).meta({ description: 'File rotation.' }),
  fsync: z.boolean().default(true).meta({ description: 'fsync after each row, so that a delivered row survives a crash or power loss.' }),
});
export type CsvConfig = z.output<typeof csvConfig>;

/** Appends one RFC 4180 row per event to a CSV file. */
const csv = defineSink({
  type: 'csv',
  description: 'Appends one RFC 4180 row per event to a CSV file (header once, chosen columns, time zone, rotation).',
  config: csvConfig,
  example: { type: 'csv', path: 'data/calls-{date}.csv', timeZone: 'Europe/Berlin', rotate: { every: 'day' }, columns: ['occurredAt', 'type', 'from.e164', 'agent.extension', 'talkSeconds'] },
  create(config, context) {
    const columns = compileColumns(config.columns, config.timeZone);
    const appender = new CsvAppender({ headers: columns.headers, fsync: config.fsync, maxBytes: config.rotate.maxBytes });
    const base = path.resolve(context.baseDir, config.path);
    const fileFor = (): string => {
      if (!config.rotate.every) return base;
      const day = formatInZone(new Date(context.clock.now()).toISOString(), config.timeZone).slice(0, 10);
      if (base.includes('{date}')) return base.replaceAll('{date}', day);
      const ext = path.extname(base);
      return `${base.slice(0, base.length - ext.length)}-${day}${ext}`;
    };
    return {
      async deliver(event) {
        try {
          await appender.append(fileFor(), columns.row(event));
        } catch (err) {
          // Disk full, permissions, a directory in the way: an operator can fix these, so retry.
          const code = (err as NodeJS.ErrnoException).code;
          throw retryableFailure(`writing the CSV file failed${code ? ` (${code})` : ''}: ${(err as Error).message}`, { cause: err });
        }
      },
    };
  },
});
export default csv;
