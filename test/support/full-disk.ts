import { execFile } from 'node:child_process';
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A folder whose disk a test can fill and free again while a process writes to it.
 *
 * - `tmpfs` (root, or CAP_SYS_ADMIN): a small tmpfs mounted on the folder; filling writes a ballast
 *   file until the filesystem answers ENOSPC, freeing deletes it. A real full disk.
 * - `file-size-limit` (anyone, util-linux `prlimit`): the writer's RLIMIT_FSIZE is lowered to
 *   4 KiB, so every write beyond the first 4 KiB of any file fails with EFBIG (node ignores the
 *   SIGXFSZ it would otherwise die of), and raised again to free it. Every file of the process is
 *   affected, the sinks' files too: a disk full for everything.
 */
export interface FullDisk {
  readonly mode: 'tmpfs' | 'file-size-limit';
  /** Where the store goes. */
  readonly dir: string;
  /**
   * Makes writes fail from now on (`pid`: the process that writes, for the file-size limit). With
   * `leaveBytes` (tmpfs only) that much room is left, for the writer to use up by itself.
   */
  fill(pid: number, leaveBytes?: number): Promise<void>;
  /** Makes room again: all of it, or (tmpfs only) `bytes` of it. */
  free(pid: number, bytes?: number): Promise<void>;
  /** Unmounts and removes what it made. */
  dispose(): Promise<void>;
}

/** The way available here (`CALLRELAY_TEST_FULL_DISK=file-size-limit` skips the tmpfs, to test that way too). */
export async function fullDisk(sizeMb = 16): Promise<FullDisk | { unavailable: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-fulldisk-'));
  try {
    if (process.env.CALLRELAY_TEST_FULL_DISK === 'file-size-limit') throw new Error('tmpfs not wanted (CALLRELAY_TEST_FULL_DISK)');
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir]);
    return new TmpfsDisk(dir);
  } catch (mountError) {
    try {
      await run('prlimit', ['--version']);
      return new FileSizeLimit(dir);
    } catch {
      rmSync(dir, { recursive: true, force: true });
      return { unavailable: `cannot mount a tmpfs (${(mountError as Error).message.split('\n')[0]}) and util-linux prlimit is not installed` };
    }
  }
}

class TmpfsDisk implements FullDisk {
  readonly mode = 'tmpfs';
  private readonly ballast: string;
  constructor(readonly dir: string) {
    this.ballast = path.join(dir, 'ballast');
  }

  async fill(_pid: number, leaveBytes = 0): Promise<void> {
    const fd = openSync(this.ballast, 'a');
    try {
      // Big chunks, then small ones: the filesystem ends up with no free block at all.
      for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
        const chunk = Buffer.alloc(size, 0x5a);
        for (;;) {
          try {
            writeSync(fd, chunk);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
            throw err;
          }
        }
      }
      if (leaveBytes > 0) ftruncateSync(fd, Math.max(0, fstatSync(fd).size - leaveBytes));
    } finally {
      closeSync(fd);
    }
  }

  async free(_pid: number, bytes?: number): Promise<void> {
    if (!existsSync(this.ballast)) return;
    if (bytes === undefined) unlinkSync(this.ballast);
    else truncateSync(this.ballast, Math.max(0, statSync(this.ballast).size - bytes));
  }

  async dispose(): Promise<void> {
    await run('umount', ['-l', this.dir]).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

class FileSizeLimit implements FullDisk {
  readonly mode = 'file-size-limit';
  constructor(readonly dir: string) {}

  async fill(pid: number): Promise<void> {
    await run('prlimit', ['--pid', String(pid), '--fsize=4096:unlimited']);
  }

  async free(pid: number): Promise<void> {
    await run('prlimit', ['--pid', String(pid), '--fsize=unlimited:unlimited']).catch(() => undefined);
  }

  async dispose(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
