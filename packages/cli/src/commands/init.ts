import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CommandFailure } from '../config-file.js';
import { EXIT } from '../exit-codes.js';
import { initProject } from '../init/project.js';
import { SINK_TEMPLATES, SINK_TYPES, SOURCE_TEMPLATES, SOURCE_TYPES } from '../init/templates.js';

export interface InitOptions {
  source?: string;
  sink?: string;
  dir: string;
  force?: boolean;
}

/** Asks for what the flags did not say, when a person is at the terminal. */
async function ask(kind: 'source' | 'sink'): Promise<string> {
  // Loaded only here: a non-interactive init (CI, scripts) never pulls in the prompt library.
  const { default: select } = await import('@inquirer/select');
  const templates = kind === 'source' ? SOURCE_TEMPLATES : SINK_TEMPLATES;
  return select({
    message: kind === 'source' ? 'Which platform sends the call webhooks?' : 'Where should calls go?',
    choices: templates.map((t) => ({ name: t.label, value: t.type })),
  });
}

async function choose(kind: 'source' | 'sink', given: string | undefined, types: readonly string[]): Promise<string> {
  if (given !== undefined) {
    if (!types.includes(given)) throw new CommandFailure(`--${kind} must be one of ${types.join(', ')}, got ${given}`, EXIT.USAGE);
    return given;
  }
  if (process.stdin.isTTY && process.stdout.isTTY) return ask(kind);
  throw new CommandFailure(`--${kind} is required when not run in a terminal (one of ${types.join(', ')})`, EXIT.USAGE);
}

/**
 * `callrelay init`: writes a commented pipeline file for one platform and one destination, its
 * `.env.example` and a `.env` with generated secrets, into `--dir`, and prints the next steps.
 * Never overwrites a file without `--force`.
 */
export async function initCommand(options: InitOptions): Promise<void> {
  const sourceType = await choose('source', options.source, SOURCE_TYPES);
  const sinkType = await choose('sink', options.sink, SINK_TYPES);
  const source = SOURCE_TEMPLATES.find((t) => t.type === sourceType)!;
  const sink = SINK_TEMPLATES.find((t) => t.type === sinkType)!;
  const dir = path.resolve(options.dir);
  // How the user ran us (npx callrelay, callrelay): the next steps use the same words.
  const command = process.env.npm_command === 'exec' ? 'npx callrelay' : 'callrelay';
  const project = initProject(source, sink, { dir: options.dir, command });

  const existing = project.files.map((f) => f.path).filter((f) => existsSync(path.join(dir, f)));
  if (existing.length && !options.force) {
    throw new CommandFailure(`not overwriting ${existing.join(', ')} in ${dir} (use --force to replace ${existing.length === 1 ? 'it' : 'them'})`, EXIT.USAGE);
  }
  mkdirSync(dir, { recursive: true });
  for (const file of project.files) {
    const target = path.join(dir, file.path);
    writeFileSync(target, file.content, { mode: file.mode ?? 0o644 });
    // writeFileSync applies the mode only to a new file: tighten a replaced .env too.
    if (file.mode !== undefined) chmodSync(target, file.mode);
  }
  const lines = [
    `wrote ${project.files.map((f) => f.path).join(', ')} in ${dir} (${source.type} -> ${sink.type})`,
    '',
    'next:',
    ...project.nextSteps.map((step, i) => `  ${i + 1}. ${step}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
