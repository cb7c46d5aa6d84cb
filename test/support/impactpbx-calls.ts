import { Runtime, parseConfig } from '@callrelay/core/host';
import { pino } from 'pino';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bundledRegistry } from '../../packages/cli/src/bundled.js';
import { REPO_ROOT } from './callrelay-process.js';

/**
 * ImpactPBX webhooks of whole calls, written the way the recorded fixtures are
 * (packages/fixtures/webhooks/impactpbx): the call's times are the platform's, so a test says when a
 * call happened (a callback 12 minutes after a missed call) without waiting for it.
 */
export interface ImpactCall {
  ref: string;
  /** The customer's number (E.164). */
  customer: string;
  /** Our number. */
  line?: string;
  /** The extension that rang (inbound) or placed the call (outbound). */
  extension: string;
  startedAt: string;
}

const at = (start: string, seconds: number) => new Date(Date.parse(start) + seconds * 1000).toISOString().replace('Z', '+00:00');

function base(call: ImpactCall, direction: 'inbound' | 'outbound'): Record<string, unknown> {
  const line = call.line ?? '+35722123456';
  const common = { ref: call.ref, domain_name: 'acme.impactpbx.com', direction, channel_uuid: `${call.ref}-leg`, originating_leg_uuid: call.ref, call_start: at(call.startedAt, 0), click_to_call: false, click_to_call_data: '' };
  return direction === 'inbound'
    ? { ...common, recipient: line, recipient_e164: line, caller_id_number: call.customer, caller_id_number_e164: call.customer, ani: call.customer, ani_e164: call.customer, dialed_user: call.extension }
    : { ...common, recipient: call.customer, recipient_e164: call.customer, caller_id_number: line, caller_id_number_e164: line, ani: call.extension, ani_e164: call.extension, dialed_user: '' };
}

/** An inbound call that rang `extension` for 30 s and ended unanswered. */
export function missedCall(call: ImpactCall): Record<string, unknown>[] {
  const b = base(call, 'inbound');
  return [
    { ...b, timestamp: at(call.startedAt, 1), action: 'originate' },
    { ...b, ring_start: at(call.startedAt, 1), timestamp: at(call.startedAt, 2), action: 'ring' },
    { ...b, ring_start: at(call.startedAt, 1), call_end: at(call.startedAt, 31), duration: 0, cause: 'NO_ANSWER', timestamp: at(call.startedAt, 32), action: 'hangup' },
  ];
}

/** A call (outbound from `extension`, or inbound answered by it) answered after 5 s, 60 s of talk. */
export function answeredCall(call: ImpactCall, direction: 'inbound' | 'outbound'): Record<string, unknown>[] {
  const b = base(call, direction);
  const answered = { ...b, ring_start: at(call.startedAt, 1), answer_start: at(call.startedAt, 5) };
  return [
    { ...b, timestamp: at(call.startedAt, 1), action: 'originate' },
    { ...b, ring_start: at(call.startedAt, 1), timestamp: at(call.startedAt, 2), action: 'ring' },
    { ...answered, timestamp: at(call.startedAt, 6), action: 'answer' },
    { ...answered, call_end: at(call.startedAt, 65), duration: 60, cause: 'NORMAL_CLEARING', timestamp: at(call.startedAt, 66), action: 'hangup' },
  ];
}

/**
 * A node of an example, in this process (the sources from src/), so that a test can stop it and
 * start another on the same store. `store` replaces the example's `store:` block (a line of YAML
 * flow mapping), e.g. to run it on NATS.
 */
export async function startExample(example: string, env: Record<string, string>, options: { store?: string } = {}): Promise<{ runtime: Runtime; url: string }> {
  const file = path.join(REPO_ROOT, 'examples', example, 'callrelay.yaml');
  let text = readFileSync(file, 'utf8');
  if (options.store) text = text.replace(/^store:\n(?: {2}.*\n)+/m, `store: ${options.store}\n`);
  const config = await parseConfig(text, { file, registry: await bundledRegistry(() => undefined), env: { ...process.env, PORT: '0', ...env } });
  const runtime = new Runtime(config, { logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }) });
  const address = await runtime.start();
  return { runtime, url: `http://127.0.0.1:${address.port}` };
}

/** Posts webhooks in order, as the PBX does; throws on an answer other than 2xx. */
export async function post(url: string, bodies: readonly Record<string, unknown>[]): Promise<void> {
  for (const body of bodies) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  }
}
