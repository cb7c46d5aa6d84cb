import { sampleRequest } from '@callrelay/fixtures';
import type { EnvVariable, SinkTemplate, SourceTemplate } from './templates.js';

/** A file `callrelay init` writes, relative to the target folder. */
export interface GeneratedFile {
  path: string;
  content: string;
  /** File mode: `.env` holds secrets, readable by its owner only. */
  mode?: number;
}

export interface InitProject {
  files: GeneratedFile[];
  /** Values of `.env` (generated secrets; empty for what the user must supply). */
  env: Record<string, string>;
  /** Variables the user must set before `validate` passes (vendor credentials). */
  toFill: string[];
  nextSteps: string[];
}

/** Settings of the file's server and store sections. */
const SERVER_ENV: EnvVariable[] = [
  { name: 'HOST', description: 'Address to listen on; default 127.0.0.1 (0.0.0.0: every interface).', example: '0.0.0.0' },
  { name: 'PORT', description: 'Port to listen on; default 8080.', example: '8080' },
  { name: 'CALLRELAY_DB', description: 'The SQLite store, relative to callrelay.yaml; default data/callrelay.db.', example: 'data/callrelay.db' },
];

/** The source's id: the first key of its YAML (`pbx` for 3CX). */
const idOf = (yaml: string): string => /^ {2}([a-z0-9-]+):/.exec(yaml)![1]!;

function pipelineFile(source: SourceTemplate, sink: SinkTemplate): string {
  const sourceId = idOf(source.yaml);
  return `# callrelay pipeline: ${source.type} -> ${sink.type}, written by \`callrelay init\`.
# Reference: https://github.com/callrelay/callrelay/blob/main/docs/configuration.md
# Every \${VAR} is read from the environment (callrelay run callrelay.yaml --env .env);
# \${VAR:-default} has a default. Check the file with: callrelay validate callrelay.yaml --env .env

server:
  # 0.0.0.0 to accept webhooks from other machines (behind a TLS proxy).
  host: \${HOST:-127.0.0.1}
  port: \${PORT:-8080}

# Events are stored here before a webhook is answered; deliveries are queued and retried from it.
store:
  type: sqlite
  path: \${CALLRELAY_DB:-data/callrelay.db}

sources:
  # Receives POST /hooks/${sourceId}.
${source.yaml}

sinks:
${sink.yaml}

pipelines:
  ${sourceId}-to-${sink.type}:
    description: ${sink.pipeline}
    from: [${sourceId}]
${sink.when ? `    when:\n      ${sink.when}\n` : ''}    to: [${sink.id}]
`;
}

function envFile(variables: EnvVariable[], values: Record<string, string> | undefined): string {
  const lines = values
    ? ['# Secrets of callrelay.yaml, read with --env .env (variables set in the environment win).', '# Keep this file out of version control.']
    : ['# Every variable callrelay.yaml reads. Copy to .env (callrelay init wrote one with generated', '# secrets) and pass it with --env .env; variables set in the environment win.'];
  for (const v of variables) {
    lines.push('', `# ${v.description}`);
    // A setting with a default in callrelay.yaml is shown commented out: copying the file changes nothing.
    if (values) lines.push(`${v.name}=${values[v.name] ?? ''}`);
    else lines.push(v.secret ? `${v.name}=` : `# ${v.name}=${v.example ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The pipeline test of the new file (`callrelay test`): the platform's recorded missed call goes in,
 * and the sink is expected to get exactly one `missed` event. Test values stand in for the secrets.
 */
function pipelineTest(source: SourceTemplate, sink: SinkTemplate, variables: EnvVariable[]): string {
  const env = variables.filter((v) => v.secret).map((v) => `  ${v.name}: ${JSON.stringify(v.example ?? v.generate?.() ?? 'test')}`);
  return `# Pipeline test of callrelay.yaml, written by \`callrelay init\`: run it with \`callrelay test\`.
# Recorded webhooks go in, the sinks are replaced by recorders (nothing is sent), the clock is fake.
# Format and more examples: https://github.com/callrelay/callrelay/blob/main/docs/testing-pipelines.md
pipeline: callrelay.yaml
# The pipeline file's \${VAR}s for the test (test values, not your credentials; .env is not read).
env:
${env.join('\n') || '  {}'}
# The fake clock at the start of each case.
start: 2026-01-05T15:00:00Z
cases:
  - name: an inbound call nobody answers reaches ${sink.id} once, as missed
    webhooks:
      # A recorded ${source.type} call (@callrelay/fixtures); also a file (file: my-call.json) or an
      # inline request ({ method, contentType, body, query, headers }). Signed as the source verifies.
      - ${source.missedCall}
    # Past tracker.settleMs (2 s by default): the call is decided.
    advance: 1m
    expect:
      ${sink.id}:
        type: missed          # only the missed events count below
        count: 1
        fields: { type: missed, direction: inbound }
${sink.type === 'slack' ? '        # text: "Missed call from ..."    the rendered message; snapshot: true keeps it in __snapshots__/ (callrelay test --update)\n' : ''}${sink.type === 'csv' ? '        # rows: [{ type: missed, from: "+1..." }]    the CSV rows, on the columns given\n' : ''}${sink.type === 'webhook' ? '        # body: { type: missed }    the JSON POSTed, on the keys given\n' : ''}`;
}

/** A word for a POSIX shell: as is when it is safe, else single-quoted. */
export const shellQuote = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/** A curl line that posts the source's shortest recorded webhook with the credentials of `.env`. */
function curlLine(source: SourceTemplate, env: Record<string, string>, url: string): string | undefined {
  const request = sampleRequest(source.type);
  if (!source.curlAuth || !request?.body) return undefined;
  const { args, query } = source.curlAuth(env);
  let body = request.body;
  try { body = JSON.stringify(JSON.parse(body)); } catch { /* a form body stays as recorded */ }
  const contentType = `content-type: ${request.contentType ?? 'application/json'}`;
  return ['curl', ...args.map(shellQuote), '-H', shellQuote(contentType), '-d', shellQuote(body), shellQuote(`${url}${query}`)].join(' ');
}

/**
 * The files of a new callrelay project for one source and one sink: the commented pipeline file,
 * `.env.example` (every variable, no secret), `.env` (the secrets: generated where callrelay can
 * invent them, empty where the user must supply them), the pipeline test `callrelay.test.yaml` and
 * the next steps.
 */
export function initProject(source: SourceTemplate, sink: SinkTemplate, options: { dir: string; command: string }): InitProject {
  const variables = [...source.env, ...sink.env, ...SERVER_ENV].filter((v, i, all) => all.findIndex((w) => w.name === v.name) === i);
  const secrets = variables.filter((v) => v.secret);
  const env: Record<string, string> = Object.fromEntries(secrets.map((v) => [v.name, v.generate ? v.generate() : '']));
  const toFill = secrets.filter((v) => !v.generate).map((v) => v.name);
  const files: GeneratedFile[] = [
    { path: 'callrelay.yaml', content: pipelineFile(source, sink) },
    { path: '.env.example', content: envFile(variables, undefined) },
    { path: '.env', content: envFile(secrets, env), mode: 0o600 },
    { path: 'callrelay.test.yaml', content: pipelineTest(source, sink, variables) },
  ];
  const cmd = options.command;
  const url = `http://127.0.0.1:8080/hooks/${idOf(source.yaml)}`;
  const curl = curlLine(source, env, url);
  const nextSteps = [
    ...(options.dir === '.' ? [] : [`cd ${shellQuote(options.dir)}`]),
    ...(toFill.length ? [`fill in ${toFill.join(', ')} in .env`] : []),
    `${cmd} validate callrelay.yaml --env .env`,
    `${cmd} test (runs callrelay.test.yaml: a recorded call in, what the sink would get checked)`,
    `${cmd} run callrelay.yaml --env .env`,
    ...(curl ? [`in another terminal, post a recorded ${source.type} webhook:\n     ${curl}`] : []),
    ...(source.replay ? [`a whole call, request by request: ${cmd} replay ${source.replay.fixture} --to ${url} ${source.replay.auth(env)}`] : []),
    `result: ${sink.resultStep}`,
    `to go live: ${source.platformStep.replace('<url>', `https://<your host>/hooks/${idOf(source.yaml)}`)}`,
  ];
  return { files, env, toFill, nextSteps };
}
