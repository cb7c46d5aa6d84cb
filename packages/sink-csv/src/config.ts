import { timeZoneSchema, z } from '@callrelay/core';
import { columnSchema, DEFAULT_COLUMNS } from './columns.js';

/** The `csv` sink's own config keys (the loader adds `type` and `delivery`). */
export const csvConfig = z.object({
  path: z.string().min(1).meta({
    description: 'The file to append to, relative to the config file; missing folders are created. `{date}` in the name turns on daily rotation and is replaced by the day (`YYYY-MM-DD` in `timeZone`).',
    examples: ['data/calls.csv', 'logs/calls-{date}.csv'],
  }),
  columns: z.array(columnSchema).min(1)
    .refine((cols) => new Set(cols.map((c) => (typeof c === 'string' ? c : c.header))).size === cols.length, 'two columns have the same header')
    .default(DEFAULT_COLUMNS)
    .meta({ description: 'The columns, in order: canonical field paths (`from.e164`, `call.answeredBy`, `details.mos`) or `{header, field}`. `a|b` takes the first field that has a value.' }),
  timeZone: timeZoneSchema.default('UTC').meta({
    description: 'IANA time zone of timestamp columns and of the day in rotated file names. Timestamps are written as `YYYY-MM-DD HH:mm:ss+hh:mm`.',
    examples: ['Europe/Berlin'],
  }),
  rotate: z.object({
    every: z.enum(['day']).optional().meta({ description: 'Start a new file every day (in `timeZone`): the day goes where `{date}` is in `path`, or before the extension (`calls-2026-11-24.csv`).' }),
    maxBytes: z.number().int().min(1024).optional().meta({ description: 'Start the next file (`calls.1.csv`, `calls.2.csv`...) when a row would take the current one past this size.', examples: [50_000_000] }),
  }).strict().default({}).meta({ description: 'File rotation: `every` and/or `maxBytes`.' }),
  fsync: z.boolean().default(true).meta({ description: 'Flush each row to disk before the delivery counts as done, so a delivered row survives a crash or power loss. Turn off only for throughput you can afford to lose.' }),
  escapeFormulas: z.boolean().default(true).meta({ description: 'Prefix with `\'` each cell, and each line inside a cell, that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@` or their full-width forms, or with a tab, CR or NUL); phone numbers, plain numbers and base64url ids in `id`/`callId`/`legId` are left intact. Caller names and webhook fields are chosen by whoever calls or sends them.' }),
});
export type CsvConfig = z.output<typeof csvConfig>;
