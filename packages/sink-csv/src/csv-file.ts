import { open, stat, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';

/**
 * Appends CSV records to files named by a pattern, one writer at a time. A header row is written
 * once per file; an existing file whose header differs from the configured columns is not mixed
 * into: the next free name is used instead.
 */
export class CsvAppender {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: { headers: string[]; fsync: boolean; maxBytes?: number }) {}

  /** Appends one record to `basePath` (or its first rotation with room), serialised with other appends. */
  append(basePath: string, record: string[]): Promise<string> {
    const run = this.chain.then(() => this.write(basePath, record));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async write(basePath: string, record: string[]): Promise<string> {
    await mkdir(path.dirname(basePath), { recursive: true });
    const line = stringify([record], { record_delimiter: '\r\n' });
    for (let index = 0; ; index++) {
      const file = index === 0 ? basePath : withIndex(basePath, index);
      const size = await stat(file).then((s) => s.size, (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return 0;
        throw err;
      });
      if (size > 0) {
        if (this.options.maxBytes && size + line.length > this.options.maxBytes) continue;
        if (!(await this.headerMatches(file))) continue;
      }
      const text = size === 0 ? stringify([this.options.headers], { record_delimiter: '\r\n' }) + line : line;
      const handle = await open(file, 'a');
      try {
        await handle.write(text);
        if (this.options.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      return file;
    }
  }

  private readonly headerCache = new Map<string, boolean>();
  private async headerMatches(file: string): Promise<boolean> {
    const cached = this.headerCache.get(file);
    if (cached !== undefined) return cached;
    const head = (await readFile(file, 'utf8')).split(/\r?\n/, 1)[0] ?? '';
    let matches = false;
    try {
      const [row] = parse(head) as string[][];
      matches = JSON.stringify(row) === JSON.stringify(this.options.headers);
    } catch {
      matches = false;
    }
    this.headerCache.set(file, matches);
    return matches;
  }
}

/** `calls.csv` → `calls.1.csv`. */
export function withIndex(file: string, index: number): string {
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${index}${ext}`;
}
