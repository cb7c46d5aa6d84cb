import { errorMessage, hasErrorCode } from '@callrelay/core';
import {
  ConfigError, Runtime, createLogger, createRedactor, formatIssue, loadConfig,
  type ConnectorRegistry, type ResolvedConfig, type ResolvedSource,
} from '@callrelay/core/host';
import { sampleFixture } from '@callrelay/fixtures';
import { bundledRegistry } from '../bundled.js';
import { CommandFailure, loadConfigOrFail } from '../config-file.js';
import { EXIT } from '../exit-codes.js';
import { prettyLogLines, wantsPrettyLogs } from '../log-format.js';
import { RawConfig } from '../raw-config.js';
import { configArgument, sampleCommand, type SampleRequest } from '../start-banner.js';
import { outgoingRequest } from './replay.js';

/**
 * The recorded sample to show for a source (see `sampleFixture`), or undefined when no recording of
 * its platform ships with callrelay.
 */
function sampleRequest(source: ResolvedSource): SampleRequest | undefined {
  let sample;
  try {
    sample = sampleFixture(source.definition.platform ?? source.definition.type);
  } catch {
    return undefined;
  }
  if (!sample) return undefined;
  return { fixtureName: sample.fixture.name, request: outgoingRequest(sample.request, new URL(`http://127.0.0.1${source.route}`), {}) };
}

/**
 * What to say when `server.port` is taken: the port, where it was set (the config key, the variable
 * the file reads it from, or `--port`), and how to choose another.
 */
function portInUseHint(config: ResolvedConfig, portFlag: string | undefined): string {
  const where = portFlag !== undefined ? `--port ${portFlag} on the command line` : `server.port in ${config.file}`;
  const variables = portFlag === undefined ? RawConfig.read(config.file)?.variables(['server', 'port']) ?? [] : [];
  const ways = [...variables.map((name) => `${name}=<port> in the environment`), '--port <port>', ...(portFlag === undefined && !variables.length ? [`server.port in ${config.file}`] : [])];
  return `\n  port ${config.server.port} on ${config.server.host} is already in use by another process (set by ${where}): stop that process, or choose another port with ${ways.join(' or ')}`;
}

/** `callrelay run <config>`: starts a node and runs until SIGTERM/SIGINT. */
export async function runCommand(file: string, options: { port?: string }): Promise<void> {
  const registry = await bundledRegistry();
  const config = await loadConfigOrFail(file, registry);
  if (options.port !== undefined) {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CommandFailure(`--port must be 0-65535, got ${options.port}`, EXIT.USAGE);
  }
  applyOverrides(config, options);
  const pretty = wantsPrettyLogs(config.log.pretty);
  const logger = createLogger({
    level: config.log.level, secretKeys: config.secretKeys, secretValues: config.secretValues,
    ...(pretty ? { formatLine: prettyLogLines(process.stdout.isTTY === true) } : {}),
  });
  const runtime = new Runtime(config, { logger });
  let address;
  try {
    address = await runtime.start();
  } catch (err) {
    // Printed outside the logger: redacted the same way (URL credentials, the config's secrets).
    const code = (err as { code?: unknown }).code;
    // The usual first-run mistake: say what to do about it.
    const hint = code === 'EADDRINUSE'
      ? portInUseHint(config, options.port)
      : code === 'EACCES' ? `\n  no permission to listen on port ${config.server.port}: ports below 1024 need privileges; choose a port above 1024` : '';
    throw new CommandFailure(`callrelay could not start: ${createRedactor(config.secretValues).text(errorMessage(err))}${hint}`, EXIT.FAILURE);
  }
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  const base = `http://${host}:${address.port}`;
  const lines = [`callrelay listening on ${base}`];
  for (const route of runtime.routes) lines.push(`  source ${route.id}: ${route.methods.join('/')} ${base}${route.route}`);
  lines.push(`  health: ${base}/healthz`);
  const admin = runtime.adminAddress;
  if (admin) lines.push(`callrelay admin listening on http://${admin.address.includes(':') ? `[${admin.address}]` : admin.address}:${admin.port} (console at /, /api, /metrics, /readyz)`);
  const context = { config, configArg: configArgument(file), base, env: process.env };
  const samples = config.sources.flatMap((source) => {
    const sample = sampleRequest(source);
    return sample ? [`  # ${source.id}: ${sample.fixtureName}`, `  ${sampleCommand(source, sample, context)}`] : [];
  });
  if (samples.length) lines.push('', 'post a recorded sample webhook (in a shell with this environment):', ...samples);
  process.stderr.write(`${lines.join('\n')}\n`);
  // Machine-readable line for scripts and tests that start on port 0.
  runtime.logger.info({ url: base, routes: runtime.routes }, 'callrelay started');

  // SIGHUP: the file is read and validated again; the node goes on with the old one when it fails.
  const reload = () => void reloadConfig(file, registry, options, runtime);
  process.on('SIGHUP', reload);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`${signal} again: exiting now\n`);
        process.exit(EXIT.FAILURE);
      }
      stopping = true;
      process.stderr.write(`${signal}: stopping intake, finishing in-flight deliveries (up to ${config.server.shutdownGraceMs} ms)\n`);
      runtime.stop().then(resolve, (err) => {
        process.stderr.write(`error while stopping: ${errorMessage(err)}\n`);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  process.off('SIGHUP', reload);
}

/** What the command line and the environment override in the file (`--port`, LOG_LEVEL), on start and on reload alike. */
function applyOverrides(config: ResolvedConfig, options: { port?: string }): void {
  if (options.port !== undefined) config.server.port = Number(options.port);
  // LOG_LEVEL overrides the file, for a quick look at debug logs without editing the config.
  const level = process.env.LOG_LEVEL;
  if (level && ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) config.log.level = level as typeof config.log.level;
}

/** Reloads the file into the running node; every problem is logged and the old configuration kept. */
async function reloadConfig(file: string, registry: ConnectorRegistry, options: { port?: string }, runtime: Runtime): Promise<void> {
  const { logger } = runtime;
  logger.info({ file }, 'SIGHUP: reloading the configuration');
  let next: ResolvedConfig;
  try {
    next = await loadConfig(file, registry);
  } catch (err) {
    if (err instanceof ConfigError || hasErrorCode(err, 'CONFIG_INVALID')) {
      for (const issue of (err as ConfigError).issues) logger.error({ file }, `reload refused: ${formatIssue(issue)}`);
    } else {
      logger.error({ file }, `reload refused: ${errorMessage(err)}`);
    }
    logger.error({ file }, 'still running the previous configuration');
    return;
  }
  applyOverrides(next, options);
  try {
    await runtime.reload(next);
  } catch (err) {
    logger.error({ file, err: errorMessage(err) }, 'reload failed; still running the previous configuration');
  }
}
