import { jsonrepair } from 'jsonrepair';
import { badRequest, looksLikeForm, parseFormBody, type IncomingWebhook } from '@callrelay/core';

/** A webhook body as an object, and whether it had to be repaired to be read. */
export interface ImpactBody {
  body: Record<string, unknown>;
  repaired: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The text with everything a repair may legitimately add or remove taken out. */
function skeleton(text: string): string {
  return text.replace(/[\s,"']/g, '');
}

/** Every key and string value of a parsed document, at any depth. */
function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, out);
  else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) { out.push(k); stringsOf(v, out); }
  return out;
}

/**
 * Repairs malformed JSON only when the meaning is unambiguous: the repair may add or drop commas,
 * swap quote styles and change whitespace, nothing else (no closing of a truncated document, no
 * invented `null`), and every key and string of the result must appear in the original as one
 * quoted token (so a missing quote cannot merge or split values). ImpactPBX's own documented
 * `failed` payload lacks a comma after `reason_failed`.
 */
export function repairJson(text: string): Record<string, unknown> | undefined {
  let repaired: string;
  let value: unknown;
  try {
    repaired = jsonrepair(text);
    value = JSON.parse(repaired);
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  if (skeleton(repaired) !== skeleton(text)) return undefined;
  const quotedInOriginal = (s: string) => text.includes(JSON.stringify(s)) || text.includes(`'${s}'`);
  return stringsOf(value).every(quotedInOriginal) ? value : undefined;
}

/**
 * Reads an ImpactPBX webhook body: JSON (repaired when unambiguous, see {@link repairJson}), or a
 * form body from a relay. Throws `400` with the parser's reason for anything else.
 */
export function readImpactBody(request: IncomingWebhook): ImpactBody {
  const text = request.rawBody.toString('utf8');
  if (text.trim() === '') throw badRequest('empty body: expected an ImpactPBX JSON document');
  if (request.contentType === 'application/x-www-form-urlencoded' || (request.contentType !== 'application/json' && looksLikeForm(text))) {
    return { body: parseFormBody(text), repaired: false };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const repaired = repairJson(text);
    if (repaired) return { body: repaired, repaired: true };
    throw badRequest(`body is not valid JSON and cannot be repaired without guessing: ${(err as Error).message}`, err);
  }
  if (!isPlainObject(parsed)) throw badRequest(`expected a JSON object, found ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}`);
  return { body: parsed, repaired: false };
}
