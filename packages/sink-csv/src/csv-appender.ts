import { open, mkdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { csvRecord } from './cells.js';
import { withIndex } from './file-names.js';
import { serially } from './serial.js';

export interface CsvAppenderOptions {
  /** The header row; an existing file is only appended to when its first row is exactly this. */
  headers: string[];
  /** fsync each row (and a new file's folder) before the append counts as done. */
  fsync: boolean;
  /** Move on to `name.1.csv`, `name.2.csv`... when a row would take a file past this size. */
  maxBytes?: number;
}

const HEADER_PROBE_BYTES = 64 * 1024;
const CRLF = '\r\n';

/**
 * Appends RFC 4180 records (CRLF line ends, fields quoted when needed) to CSV files, one append at
 * a time per file name. A new or empty file gets the header row first; a file that exists already
 * (a restart) is appended to when its header is the configured one, and otherwise left alone for the
 * next free name (`calls.1.csv`), so that rows never sit under another set of columns.
 */
export class CsvAppender {
  /** Files this appender has inspected: whether their header matches, so they are read once. */
  private readonly headerMatches = new Map<string, boolean>();
  /** Per base name, the first overflow index still worth trying (the earlier ones are full or foreign). */
  private readonly firstIndex = new Map<string, number>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: CsvAppenderOptions) {}

  /**
   * Appends one record to `basePath` or, when that file is full or has other columns, to the first
   * overflow file that has room. Resolves with the file written once the row is on disk (fsync).
   * A signal aborted before the row's turn comes writes nothing and rejects with the abort reason.
   */
  async append(basePath: string, record: string[], signal?: AbortSignal): Promise<string> {
    return (await this.appendMany(basePath, [record], signal))[0]!;
  }

  /**
   * Appends records in order with one write and one fsync per file they land in (usually one), and
   * resolves with the file of each record once all are on disk. All or nothing as far as the caller
   * knows: a failure rejects, and rows written before it may be written again by a retry (at least
   * once), never lost.
   */
  appendMany(basePath: string, records: readonly string[][], signal?: AbortSignal): Promise<string[]> {
    const run = serially(basePath, () => {
      signal?.throwIfAborted();
      return this.write(basePath, records.map((record) => Buffer.from(csvRecord(record))));
    });
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run)).catch(() => undefined);
    return run;
  }

  /** Settles once every append started so far has. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async write(basePath: string, rows: Buffer[]): Promise<string[]> {
    await mkdir(path.dirname(basePath), { recursive: true });
    const files: string[] = [];
    let next = 0;
    while (next < rows.length) {
      for (let index = this.firstIndex.get(basePath) ?? 0; ; index++) {
        const file = withIndex(basePath, index);
        const size = await sizeOf(file);
        if (size > 0 && !(await this.fits(file, size, rows[next]!.length))) continue;
        // As many of the remaining rows as the size limit lets into this file (at least one).
        let bytes = size === 0 ? Buffer.byteLength(csvRecord(this.options.headers)) : size;
        let end = next;
        while (end < rows.length && (end === next || this.options.maxBytes === undefined || bytes + rows[end]!.length <= this.options.maxBytes)) {
          bytes += rows[end]!.length;
          end += 1;
        }
        this.firstIndex.clear(); // one base name is current at a time (the day's file)
        this.firstIndex.set(basePath, index);
        await this.appendTo(file, size, Buffer.concat(rows.slice(next, end)));
        for (let i = next; i < end; i++) files.push(file);
        next = end;
        break;
      }
    }
    return files;
  }

  /** Whether a row may go at the end of an existing, non-empty file. */
  private async fits(file: string, size: number, rowBytes: number): Promise<boolean> {
    if (this.options.maxBytes !== undefined && size + rowBytes > this.options.maxBytes) return false;
    let matches = this.headerMatches.get(file);
    if (matches === undefined) {
      matches = sameRow(await readHeader(file), this.options.headers);
      this.headerMatches.set(file, matches);
    }
    return matches;
  }

  private async appendTo(file: string, size: number, row: Buffer): Promise<void> {
    // 'a+' (O_APPEND, readable for the torn-line check): every write lands at the end, whoever else has the file open.
    const handle = await open(file, 'a+');
    try {
      if (size === 0) {
        await writeAll(handle, Buffer.concat([Buffer.from(csvRecord(this.options.headers)), row]));
      } else {
        // A crash (power loss) can leave a torn last line: end it, so the new row starts on its own.
        const torn = !(await endsWithNewline(handle, size));
        await writeAll(handle, torn ? Buffer.concat([Buffer.from(CRLF), row]) : row);
      }
      if (this.options.fsync) await handle.sync();
    } catch (err) {
      // A write that failed part way (disk full, I/O error) must not leave half a row: cut a torn
      // quoted cell would make every later row unreadable. The rows were not acknowledged; the
      // delivery is retried and writes them whole.
      await handle.truncate(size).catch(() => undefined);
      throw err;
    } finally {
      await handle.close();
    }
    // A new file's name lives in its folder: sync that too, or a crash can lose the whole file.
    if (size === 0 && this.options.fsync) await syncFolder(path.dirname(file));
  }
}

async function sizeOf(file: string): Promise<number> {
  try {
    const s = await stat(file);
    // A folder (or socket...) in the file's place: opening it for append fails with a clear code.
    return s.isFile() ? s.size : 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** The first record of a file, read from its first bytes only (the file may be large). */
async function readHeader(file: string): Promise<string[] | undefined> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_PROBE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const [first] = parse(buffer.subarray(0, bytesRead), { to: 1, relax_column_count: true, bom: true }) as string[][];
    return first;
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('CSV_')) return undefined; // not CSV we can read: not ours
    throw err;
  } finally {
    await handle.close();
  }
}

function sameRow(a: string[] | undefined, b: string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((cell, i) => cell === b[i]);
}

async function endsWithNewline(handle: FileHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  for (let offset = 0; offset < data.length;) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
