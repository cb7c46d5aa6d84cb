import fc from 'fast-check';
import type { FixtureRequest } from '@callrelay/testkit';

/*
 * Mutations of recorded webhook requests (the testkit fixtures) into the bodies an attacker, a
 * broken proxy or a platform bug could send: field values replaced with huge numbers, 19-digit
 * timestamps, other types, unicode and control characters; invalid UTF-8 bytes; JSON nested
 * thousands of levels deep or with tens of thousands of keys; another content type; a truncation;
 * random bytes.
 */

/** A request as the fuzzer posts it. */
export interface MutatedRequest {
  method: 'GET' | 'POST';
  contentType: string;
  body: Buffer;
  /** Query string without `?`. */
  query: string;
  /** The mutations applied, for the failure report. */
  applied: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const nineteenDigits = fc.bigInt({ min: 10n ** 18n, max: 10n ** 19n - 1n }).map(String);
const hugeNumber = fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, 9999999999999999999, 1e21, 5e-324, -1, 0, 4294967296);
const timeText = fc.oneof(nineteenDigits, fc.constantFrom(
  '9999999999999999999', '1700000000000000000', '99999999999999999999999', '0000-00-00 00:00:00', '+275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00.000Z', '99999-12-31T23:59:59Z', '2024-02-30T25:61:61Z', '1e400', 'Infinity', 'NaN', '-0', '0x1F', '1.5e300',
));
const oddText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\u202E\u0000x', '\r\n\r\n', '%', '%ZZ', '%C0%AF', '\\', '"', '{', '[', '&=&', '+', 'null',
    'undefined', '__proto__', 'constructor', 'toString', '', ' ', 'sip:', 'sip:@', 'tel:+', '+', '+1', '00', '\u00a0+1 (212) 555-0100', 'ringing', 'completed'),
  fc.nat(20_000).map((n) => 'x'.repeat(n)),
);
const otherType: fc.Arbitrary<Json> = fc.constantFrom<Json>(null, true, false, [], {}, [[[]]], { a: { b: 1 } }, [1, 'a', null], { toString: 'x' }, { length: -1 });

/** Any replacement value. */
export const fieldValue: fc.Arbitrary<Json> = fc.oneof(
  hugeNumber, timeText, oddText, otherType, fc.double(), fc.integer(),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

const CONTENT_TYPES = [
  'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml', '', 'multipart/form-data; boundary=x',
  'application/json; charset=latin1', 'application/octet-stream',
];
const INVALID_UTF8 = [[0xff], [0xfe], [0xc0, 0xaf], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0x00]];

type Mutation = (request: MutatedRequest) => MutatedRequest;

/** A mutation that fast-check prints by what it does (in a counterexample), not by its source. */
function labelled(label: string, apply: Mutation): Mutation {
  return Object.assign(apply, { [fc.toStringMethod]: () => label });
}

const parseObject = (text: string): Record<string, Json> | undefined => {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, Json> : undefined;
  } catch {
    return undefined;
  }
};

// Bodies past this are not generated: the server answers 413 before any of the code under test runs.
const MAX_BODY = 1536 * 1024;

/** The request's parameters wherever they are (JSON body, form body, query), rewritten by `edit`. */
function editParams(request: MutatedRequest, name: string, edit: (params: Record<string, Json>) => void): MutatedRequest {
  const edited = editParamsUnbounded(request, name, edit);
  return edited.body.length + edited.query.length > MAX_BODY ? request : edited;
}

function editParamsUnbounded(request: MutatedRequest, name: string, edit: (params: Record<string, Json>) => void): MutatedRequest {
  const text = request.body.toString('utf8');
  const json = parseObject(text);
  if (json) {
    edit(json);
    let edited: string;
    try {
      edited = JSON.stringify(json);
    } catch {
      return request; // too deep to write back (an earlier mutation): leave it as it is
    }
    return { ...request, body: Buffer.from(edited), applied: [...request.applied, `${name} (json)`] };
  }
  const inQuery = text.trim() === '';
  const params = new URLSearchParams(inQuery ? request.query : text);
  const object: Record<string, Json> = Object.fromEntries(params);
  edit(object);
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(object)) out.append(key, typeof value === 'string' ? value : JSON.stringify(value) ?? '');
  return inQuery
    ? { ...request, query: out.toString(), applied: [...request.applied, `${name} (query)`] }
    : { ...request, body: Buffer.from(out.toString()), applied: [...request.applied, `${name} (form)`] };
}

/** Nested object paths of a parsed body: `['a']`, `['a', 'b']`... */
function paths(value: Json, prefix: string[] = [], out: string[][] = []): string[][] {
  if (value && typeof value === 'object' && !Array.isArray(value) && prefix.length < 4) {
    for (const [key, inner] of Object.entries(value)) {
      out.push([...prefix, key]);
      paths(inner, [...prefix, key], out);
    }
  }
  return out;
}

function setAt(root: Record<string, Json>, path: string[], value: Json): void {
  let node: Record<string, Json> = root;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, Json>;
  node[path[path.length - 1]!] = value;
}

const replaceField: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fieldValue).map(([pick, value]) => labelled(`field #${pick} := ${fc.stringify(value).slice(0, 80)}`, (request) =>
  editParams(request, `field := ${fc.stringify(value).slice(0, 60)}`, (params) => {
    const all = paths(params);
    if (all.length) setAt(params, all[pick % all.length]!, value);
  })));

const replaceEveryField: fc.Arbitrary<Mutation> = fc.array(fieldValue, { minLength: 1, maxLength: 8 }).map((values) => labelled(`the first 64 fields := ${fc.stringify(values).slice(0, 120)}`, (request) =>
  editParams(request, 'every field replaced', (params) => {
    Object.keys(params).slice(0, 64).forEach((key, i) => { params[key] = values[i % values.length]!; });
  })));

const addCasings: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fieldValue).map(([pick, value]) => labelled(`field #${pick} in other casings := ${fc.stringify(value).slice(0, 80)}`, (request) =>
  editParams(request, 'same field in other casings', (params) => {
    const keys = Object.keys(params);
    const key = keys[pick % Math.max(1, keys.length)] ?? 'call_sid';
    params[key.toUpperCase()] = value;
    params[key.replace(/_/g, '')] = value;
    params[`_${key}`] = value;
  })));

// Built as text: a document thousands of levels deep overflows JSON.stringify, here as in a store.
const deepen: fc.Arbitrary<Mutation> = fc.constantFrom(40, 200, 4000, 20_000).map((levels) => labelled(`nested ${levels * 2} deep`, (request) => {
  const deep = `${'{"a":['.repeat(levels)}1${']}'.repeat(levels)}`;
  const text = request.body.toString('utf8');
  const applied = [...request.applied, `nested ${levels * 2} deep`];
  if (parseObject(text)) return { ...request, body: Buffer.from(text.replace(/^\s*\{/, `{"customerData":${deep},`)), applied };
  if (text.trim() === '') return { ...request, query: `${request.query}&customerData=${encodeURIComponent(deep)}`, applied };
  return { ...request, body: Buffer.from(`${text}&customerData=${encodeURIComponent(deep)}`), applied };
}));

const widen: fc.Arbitrary<Mutation> = fc.constantFrom(1500, 20_000, 60_000).map((count) => labelled(`${count} extra keys`, (request) =>
  editParams(request, `${count} extra keys`, (params) => {
    for (let i = 0; i < count; i++) params[`Junk_Key-${i}`] = i;
  })));

const invalidUtf8: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fc.constantFrom(...INVALID_UTF8)).map(([at, bytes]) => labelled(`bytes ${bytes.join(',')} at #${at}`, (request) => {
  const position = request.body.length ? at % request.body.length : 0;
  const body = Buffer.concat([request.body.subarray(0, position), Buffer.from(bytes), request.body.subarray(position)]);
  return { ...request, body, applied: [...request.applied, `bytes ${bytes.join(',')} at ${position}`] };
}));

const truncate: fc.Arbitrary<Mutation> = fc.nat().map((at) => labelled(`truncated at #${at}`, (request) => {
  const position = request.body.length ? at % request.body.length : 0;
  return { ...request, body: request.body.subarray(0, position), applied: [...request.applied, `truncated at ${position}`] };
}));

const contentType: fc.Arbitrary<Mutation> = fc.constantFrom(...CONTENT_TYPES).map((type) => labelled(`content type ${JSON.stringify(type)}`, (request) =>
  ({ ...request, contentType: type, applied: [...request.applied, `content type ${JSON.stringify(type)}`] })));

const noise: fc.Arbitrary<Mutation> = fc.uint8Array({ maxLength: 2048 }).map((bytes) => labelled(`random bytes ${Buffer.from(bytes).toString('hex').slice(0, 80)}`, (request) =>
  ({ ...request, body: Buffer.from(bytes), applied: [...request.applied, `${bytes.length} random bytes`] })));

const asGet: fc.Arbitrary<Mutation> = fc.constant(labelled('sent as GET', (request: MutatedRequest) => {
  const json = parseObject(request.body.toString('utf8'));
  let query: string;
  try {
    query = json ? new URLSearchParams(Object.entries(json).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string])).toString() : request.body.toString('latin1');
  } catch {
    return request; // too deep to write as a query (an earlier mutation)
  }
  return { ...request, method: 'GET' as const, body: Buffer.alloc(0), query, applied: [...request.applied, 'sent as GET'] };
}));

/** One to three mutations, the value-level ones more often than the costly shape ones. */
export const mutations: fc.Arbitrary<Mutation[]> = fc.array(fc.oneof(
  { arbitrary: replaceField, weight: 10 },
  { arbitrary: replaceEveryField, weight: 4 },
  { arbitrary: addCasings, weight: 2 },
  { arbitrary: invalidUtf8, weight: 3 },
  { arbitrary: truncate, weight: 3 },
  { arbitrary: contentType, weight: 3 },
  { arbitrary: deepen, weight: 1 },
  { arbitrary: widen, weight: 1 },
  { arbitrary: noise, weight: 1 },
  { arbitrary: asGet, weight: 1 },
), { minLength: 1, maxLength: 3 });

/** A fixture request as the fuzzer starts from it. */
export function baseRequest(request: FixtureRequest): MutatedRequest {
  const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
  return { method, contentType: request.contentType ?? '', body: Buffer.from(request.body ?? ''), query: request.query ?? '', applied: [] };
}

/** Applies the mutations in order. */
export function mutate(request: FixtureRequest, steps: readonly Mutation[]): MutatedRequest {
  return steps.reduce((current, step) => step(current), baseRequest(request));
}
