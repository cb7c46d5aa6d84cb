import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { schemaCommand } from './commands/schema.js';
import { connectorsCommand } from './commands/connectors.js';
import { dlqListCommand, dlqPurgeCommand, dlqReplayCommand } from './commands/dlq.js';
import { replayCommand } from './commands/replay.js';
import { initCommand } from './commands/init.js';
import { testCommand } from './commands/test.js';
import { newCommand } from './commands/new.js';
import { loadEnvFileOrFail } from './env-file.js';
import { SINK_TYPES, SOURCE_TYPES } from './init/templates.js';

// The package's own version (dist/ and src/ both sit next to package.json), which lerna bumps on release.
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** The `callrelay` command line. */
export function buildProgram(): Command {
  const program = new Command('callrelay')
    .description('Turns telephony webhooks into actions in business tools.')
    .version(version)
    .showHelpAfterError()
    .exitOverride()
    .option('--env <file>', 'read environment variables (KEY=value lines, e.g. the .env of callrelay init) before the command; variables already set win')
    .hook('preAction', (command) => {
      const file = command.opts<{ env?: string }>().env;
      if (file) loadEnvFileOrFail(file);
    });

  program.command('init').description('write a commented pipeline file (callrelay.yaml), .env.example, .env and a pipeline test (callrelay.test.yaml) for a platform and a destination')
    .addOption(new Option('--source <platform>', 'the platform that sends the webhooks').choices(SOURCE_TYPES))
    .addOption(new Option('--sink <destination>', 'where calls go').choices(SINK_TYPES))
    .option('--dir <folder>', 'where to write the files', '.')
    .option('--force', 'replace files that exist')
    .action(initCommand);

  const scaffold = program.command('new').description('write a connector package (definition, config schema, contract test, docs page, README) to develop and publish outside this repository');
  for (const kind of ['source', 'sink'] as const) {
    scaffold.command(kind).argument('<name>', `the ${kind}'s type: lowercase letters, digits and hyphens (acme-crm)`)
      .description(kind === 'source' ? 'a webhook source: JSON calls in, verified by a shared token or Basic auth' : 'a sink: each call event POSTed as JSON to a URL')
      .option('--dir <folder>', `where to write it (default: ./callrelay-${kind}-<name>); must be empty`)
      .option('--package <name>', `npm package name (default: callrelay-${kind}-<name>; a scope is allowed: @acme/callrelay-${kind}-x)`)
      .option('--force', 'write into a folder that is not empty (files with the same names are replaced)')
      .action(newCommand(kind));
  }

  program.command('run').argument('<config>', 'pipeline file (YAML or JSON)').description('start a node: sources, pipelines, sinks')
    .option('--port <port>', 'override server.port').action(runCommand);
  program.command('validate').argument('<config>').description('check a pipeline file; prints every error, exits 2 when there are any')
    .action(validateCommand);
  program.command('test').argument('[files...]', 'test files (*.test.yaml) or folders to search (default: the current folder)')
    .option('--update', 'write the snapshots of the `snapshot: true` expectations (__snapshots__/<test file>.snap.yaml)')
    .description('run pipeline tests: recorded webhooks in, sinks replaced by recorders, a fake clock; exits 1 when an expectation fails')
    .action(testCommand);
  program.command('schema').description('print the JSON Schema of pipeline files (all installed connectors)')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--dir <folder>', 'where to look for installed connector packages (its node_modules and those above it); default: the current folder')
    .action(schemaCommand);
  program.command('connectors').argument('[type]', 'show the config reference of one connector (short type or package name)').description('list installed connectors: bundled, and third-party packages found in node_modules')
    .option('--json', 'machine-readable output')
    .option('--dir <folder>', 'where to look for installed connector packages (its node_modules and those above it); default: the current folder')
    .action(connectorsCommand);

  const dlq = program.command('dlq').description('dead letters: deliveries that failed permanently or ran out of attempts');
  dlq.command('list').argument('<config>').option('--sink <id>', 'only this sink').option('--limit <n>').option('--json')
    .description('list dead letters with their reasons').action(dlqListCommand);
  dlq.command('replay').argument('<config>').argument('[ids...]', 'dead letter ids (see dlq list)')
    .option('--sink <id>', 'every dead letter of this sink').option('--all', 'every dead letter')
    .description('queue dead letters again (a running node delivers them)').action(dlqReplayCommand);
  dlq.command('purge').argument('<config>').argument('[ids...]', 'dead letter ids (see dlq list)')
    .option('--sink <id>', 'only this sink\'s dead letters')
    .option('--before <date|age>', 'only those that failed before a date (2026-01-31, UTC unless a zone is given) or longer ago than an age (30d, 12h, 90m, 2w)')
    .option('--all', 'every dead letter (needed when no id, --sink or --before is given)')
    .option('--yes', 'delete: without it nothing is deleted (the selection is listed, exit code 2)')
    .option('--dry-run', 'list what would be deleted and exit 0')
    .description('delete dead letters for good; every selector given must hold; nothing is deleted without --yes')
    .action(dlqPurgeCommand);

  program.command('replay').argument('<fixtures>', 'a fixture JSON file, a folder of them, or a recorded scenario or platform by name (jambonz/call-hook, jambonz)')
    .option('--to <url>', 'webhook URL to post to (default with --config: the source\'s route on server.host:server.port)')
    .option('--config <file>', 'pipeline file whose source the requests are for (for --sign, and the default --to)')
    .option('--source <id>', 'the source in --config (needed when it has several)')
    .option('--sign', 'add the credentials the source verifies (Basic auth, token, signature), from --config')
    .option('--no-pacing', 'send as fast as possible')
    .addOption(new Option('--speed <factor>', 'pacing speed-up factor').default('1'))
    .option('--header <header...>', 'extra header "Name: value" (repeatable)', [])
    .option('--basic <user:pass>', 'HTTP Basic credentials')
    .option('--token <token>', 'shared token (x-callrelay-token header)')
    .description('post recorded webhooks (files, or those of @callrelay/fixtures by name) with their content types and pacing, signed for a configured source with --sign')
    .action(replayCommand);
  return program;
}
