import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO_ROOT, 'packages', 'cli', 'dist', 'bin.js');

/** A `callrelay` CLI child process (built dist, as a user runs it). */
export interface CallrelayProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` once listening. */
  url: string;
  /** The admin listener's URL (config with `admin`), from the start banner. */
  adminUrl(): string;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and waits for the exit code. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Starts `callrelay run <config>` and resolves when it prints where it listens. */
export function startCallrelay(config: string, env: Record<string, string> = {}, args: string[] = []): Promise<CallrelayProcess> {
  return startNode([CLI, 'run', config, ...args], env);
}

/** Starts a node process (`node <args>`) and resolves when it prints `callrelay listening on <url>`. */
export function startNode(nodeArgs: string[], env: Record<string, string> = {}): Promise<CallrelayProcess> {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`callrelay did not start within 20 s\nstderr:\n${err}\nstdout:\n${out}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const match = /callrelay listening on (http:\/\/\S+)/.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve({
          child, url: match[1]!, stdout: () => out, stderr: () => err, exited,
          adminUrl: () => {
            const admin = /callrelay admin listening on (http:\/\/\S+)/.exec(err);
            if (!admin) throw new Error(`no admin listener in the banner (is admin: set in the config?)\nstderr:\n${err}`);
            return admin[1]!;
          },
          kill: async (signal = 'SIGTERM') => { if (child.exitCode === null && child.signalCode === null) child.kill(signal); return exited; },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`callrelay exited with ${code} before listening\nstderr:\n${err}\nstdout:\n${out}`));
    });
  });
}

/** Runs a CLI command to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const basicAuth = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/**
 * The recorded scenarios of one platform's fixture folder without its subfolders (the truth table
 * lives in `truth-table/`), copied to a temporary folder for `callrelay replay`, with what they
 * add up to: requests sent and the call outcomes they must give.
 */
export function topLevelFixtures(platform: string): { dir: string; requests: number; missed: number; completed: number } {
  const source = path.join(REPO_ROOT, 'packages', 'fixtures', 'webhooks', platform);
  const dir = mkdtempSync(path.join(tmpdir(), `callrelay-fixtures-${platform}-`));
  const totals = { dir, requests: 0, missed: 0, completed: 0 };
  for (const entry of readdirSync(source)) {
    if (!entry.endsWith('.json')) continue;
    const text = readFileSync(path.join(source, entry), 'utf8');
    writeFileSync(path.join(dir, entry), text);
    const fixture = JSON.parse(text) as { requests: unknown[]; expectOutcomes?: { missed: number; completed: number } };
    totals.requests += fixture.requests.length;
    totals.missed += fixture.expectOutcomes?.missed ?? 0;
    totals.completed += fixture.expectOutcomes?.completed ?? 0;
  }
  return totals;
}
