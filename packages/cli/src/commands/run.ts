import { errorMessage, hasErrorCode } from '@callrelay/core';
import { ConfigError, Runtime, createRedactor, formatIssue, loadConfig, type ConnectorRegistry } from '@callrelay/core/host';
import { bundledRegistry } from '../bundled.js';
import { CommandFailure, loadConfigOrFail } from '../config-file.js';
import { EXIT } from '../exit-codes.js';
import { loadFixtures } from '@callrelay/fixtures';
import type { ResolvedConfig } from '@callrelay/core/host';

/**
 * A curl line that posts the first recorded sample of the first source's platform. Credentials are
 * never printed: a Basic-auth source shows `-u user:PASSWORD` for the reader to fill in.
 */
function sampleCurl(config: ResolvedConfig, base: string): string | undefined {
  const source = config.sources[0];
  if (!source) return undefined;
  let fixture;
  try {
    // The shortest recorded body makes the friendliest first try.
    fixture = loadFixtures(source.definition.platform ?? source.definition.type)
      .filter((f) => f.requests[0]?.method !== 'GET' && f.requests[0]?.body)
      .sort((a, b) => a.requests[0]!.body!.length - b.requests[0]!.body!.length)[0];
  } catch {
    return undefined;
  }
  const request = fixture?.requests[0];
  if (!request?.body) return undefined;
  const auth = source.options.auth as { basic?: { username: string } } | string | undefined;
  const user = typeof auth === 'object' && auth.basic ? ` -u '${auth.basic.username}:PASSWORD'` : '';
  let body = request.body;
  try { body = JSON.stringify(JSON.parse(body)); } catch { /* a deliberately malformed sample stays as recorded */ }
  body = body.replace(/'/g, `'\\''`);
  return `curl${user} -H 'content-type: ${request.contentType ?? 'application/json'}' -d '${body}' ${base}${source.route}`;
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
  const runtime = new Runtime(config);
  let address;
  try {
    address = await runtime.start();
  } catch (err) {
    // Printed outside the logger: redacted the same way (URL credentials, the config's secrets).
    const code = (err as { code?: unknown }).code;
    // The usual first-run mistake: say what to do about it.
    const hint = code === 'EADDRINUSE'
      ? `\n  another process listens on ${config.server.host}:${config.server.port}: stop it, or choose another port (server.port in the file, --port, or PORT in the quickstart)`
      : code === 'EACCES' ? `\n  no permission to listen on port ${config.server.port}: ports below 1024 need privileges; choose a port above 1024` : '';
    throw new CommandFailure(`callrelay could not start: ${createRedactor(config.secretValues).text(errorMessage(err))}${hint}`, EXIT.FAILURE);
  }
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  const base = `http://${host}:${address.port}`;
  const lines = [`callrelay listening on ${base}`];
  for (const route of runtime.routes) lines.push(`  source ${route.id}: ${route.methods.join('/')} ${base}${route.route}`);
  lines.push(`  health: ${base}/healthz`);
  const admin = runtime.adminAddress;
  if (admin) lines.push(`callrelay admin listening on http://${admin.address.includes(':') ? `[${admin.address}]` : admin.address}:${admin.port} (/metrics, /readyz)`);
  const sample = sampleCurl(config, base);
  if (sample) lines.push('', 'post a sample webhook:', `  ${sample}`);
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
