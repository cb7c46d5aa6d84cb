import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { z } from '@callrelay/core';

/** A duration (`30s`, `5m`, `2h`, `1d`, `1500ms`) in milliseconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(match[1]) * unit[match[2]!.toLowerCase()]!;
}

/** An instant: ISO 8601 with a zone (`2026-03-02T15:00:00Z`); YAML may have parsed it to a Date already. */
const instant = z.union([z.string(), z.date()]).transform((value, ctx) => {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a date and time: ${String(value)} (e.g. 2026-03-02T15:00:00Z)` });
    return z.NEVER;
  }
  return ms;
});

const inlineRequest = z.object({
  source: z.string().optional(),
  method: z.enum(['POST', 'GET']).optional(),
  contentType: z.string().optional(),
  /** A string is sent as it is; anything else as JSON (or as a form when contentType says so). */
  body: z.unknown().optional(),
  query: z.union([z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
}).strict();

const webhookStep = z.union([
  z.object({ fixture: z.string(), source: z.string().optional() }).strict(),
  z.object({ file: z.string(), source: z.string().optional() }).strict(),
  inlineRequest,
  // A bare string names a fixture (`jambonz/call-hook`) or a fixture file (`./hooks/x.json`).
  z.string(),
]);

/** What one sink is expected to receive in a case. */
const sinkExpectation = z.object({
  /** Only the events of these types count for the other expectations (a CSV sink that gets every event, checked on its `missed` row). */
  type: z.union([z.string(), z.array(z.string())]).optional(),
  count: z.number().int().min(0).optional(),
  /** Dotted paths on the event and their values: one map for every event, or a list (one per event). */
  fields: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]).optional(),
  /** Part of the event that must match (deep, objects compared on the keys given); a list: one per event. */
  match: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]).optional(),
  /** Slack (Web API mode): the channel every message goes to (a `{{ }}` channel template rendered), or a list. */
  channel: z.union([z.string(), z.array(z.string())]).optional(),
  /** Slack: the rendered text of every message, or a list (one per message). */
  text: z.union([z.string(), z.array(z.string())]).optional(),
  /** Slack: the Block Kit blocks of the message (a list of blocks), or a list of those (one per message). */
  blocks: z.array(z.unknown()).optional(),
  /** CSV: the rows written, header to cell; only the headers given are compared. */
  rows: z.array(z.record(z.string(), z.unknown())).optional(),
  /** Webhook: the body of every request (JSON compared on the keys given, else text), or a list. */
  body: z.unknown().optional(),
  /** Compare everything rendered with `__snapshots__/<test file>.snap.yaml` (`--update` writes it). */
  snapshot: z.boolean().optional(),
}).strict();

const testCase = z.object({
  name: z.string().min(1),
  /** Clock at the start of this case (default: the file's `start`). */
  start: instant.optional(),
  webhooks: z.array(webhookStep).default([]),
  /** Move the fake clock after the webhooks: a duration (`30s`), an instant, or a list of them in order. */
  advance: z.union([z.string(), z.date(), z.array(z.union([z.string(), z.date()]))]).optional(),
  expect: z.record(z.string(), sinkExpectation).default({}),
}).strict();

export const testFileSchema = z.object({
  /** The pipeline file, relative to the test file (default: callrelay.yaml next to it). */
  pipeline: z.string().default('callrelay.yaml'),
  /** Environment of the pipeline file (`${VAR}`); the process's environment is not read. */
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  /** The fake clock at the start of each case. Default: 2026-01-05T15:00:00Z (a Monday, 10:00 in New York). */
  start: instant.default(Date.parse('2026-01-05T15:00:00Z')),
  cases: z.array(testCase).min(1),
}).strict();

export type TestFile = z.output<typeof testFileSchema>;
export type TestCase = TestFile['cases'][number];
export type SinkExpectation = z.output<typeof sinkExpectation>;
export type WebhookStep = TestCase['webhooks'][number];
export type InlineRequest = z.output<typeof inlineRequest>;

/** A loaded test file: its cases, and where each of its nodes is in the file (for failure messages). */
export interface LoadedTestFile {
  file: string;
  dir: string;
  spec: TestFile;
  /** `file:line:col` of the node at a path (`['cases', 0, 'expect', 'slack', 'text']`), or of the nearest parent that exists. */
  where(pathInFile: (string | number)[]): string;
  /** The parsed document, kept for `--update` of inline values. */
  document: Document;
}

/** A test file that cannot be read or does not follow the format. */
export class TestFileError extends Error {}

export function loadTestFile(file: string): LoadedTestFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TestFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const where = (pathInFile: (string | number)[]): string => {
    for (let n = pathInFile.length; n >= 0; n--) {
      const node = document.getIn(pathInFile.slice(0, n), true);
      if (isNode(node) && node.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        return `${file}:${line}:${col}`;
      }
    }
    return file;
  };
  if (document.errors.length) {
    const first = document.errors[0]!;
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new TestFileError(`${file}:${line}:${col}: ${first.message.split('\n')[0]}`);
  }
  const parsed = testFileSchema.safeParse(document.toJS());
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${where(issue.path as (string | number)[])}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new TestFileError(`${parsed.error.issues.length} error(s) in ${file}:\n${lines.join('\n')}`);
  }
  return { file, dir: path.dirname(path.resolve(file)), spec: parsed.data, where, document };
}
