import { HubSpotApiError, HubSpotInputError, type BatchCreateAnswer, type HubSpotClient, type HubSpotObject, type InlineAssociation } from './hubspot-client.js';

/** "Object API batch endpoints are limited to 100 inputs per request" (HubSpot, Using Object APIs). */
export const MAX_BATCH_INPUTS = 100;

/** One object to create; `key` names it in the answer (and is its `objectWriteTraceId` in a batch). */
export interface ObjectToCreate {
  key: string;
  properties: Record<string, string>;
  associations: InlineAssociation[];
}

/** What became of one object: its id, or why it was not created (a thrown client error, or a {@link HubSpotInputError}). */
export type Creation = { id: string } | { error: unknown };

export interface CreationOptions {
  signal: AbortSignal;
  /** `call`, `contact`: names the request in failure reasons. */
  noun: string;
  /**
   * Properties that tell the objects of one batch apart when HubSpot's results do not echo their
   * `objectWriteTraceId` (its documented example does not; its API schema has the field): a
   * result is an input's when every one of these properties the input sent has the same value.
   */
  matchBy: readonly string[];
  /**
   * What to do with results that still cannot be told apart: pair them with the remaining inputs
   * in order (true: only the recorded id may be off, the objects themselves are right), or leave
   * those inputs undecided, retried (false: when the id is used to associate something with it).
   */
  pairUnmatched: boolean;
}

/**
 * Creates objects: one by itself with the single create endpoint, several with `batch/create` in
 * requests of up to 100. Every input carries an `objectWriteTraceId`, so HubSpot creates the valid
 * inputs and names the others (`207`) instead of refusing the whole request. A request HubSpot
 * refuses whole with a 4xx that is about the content (400, 409, 422...) is sent again one object
 * at a time, so that each object gets its own outcome. A request that fails otherwise (401, 403,
 * 429, 5xx, no answer) gives every object of it, and of the requests not sent yet, that error.
 * Never throws.
 */
export async function createObjects(
  client: HubSpotClient, type: 'contacts' | 'calls', objects: readonly ObjectToCreate[], options: CreationOptions,
): Promise<Map<string, Creation>> {
  const creations = new Map<string, Creation>();
  if (objects.length === 1) {
    creations.set(objects[0]!.key, await createOne(client, type, objects[0]!, options));
    return creations;
  }
  let stopped: unknown;
  for (let start = 0; start < objects.length; start += MAX_BATCH_INPUTS) {
    const chunk = objects.slice(start, start + MAX_BATCH_INPUTS);
    if (stopped !== undefined) {
      for (const object of chunk) creations.set(object.key, { error: stopped });
      continue;
    }
    const action = `creating ${chunk.length} HubSpot ${options.noun}s`;
    try {
      const answer = await client.createBatch(type, chunk.map((o) => ({ properties: o.properties, associations: o.associations, objectWriteTraceId: o.key })), options.signal, action);
      for (const [key, creation] of attribute(chunk, answer, action, options)) creations.set(key, creation);
    } catch (err) {
      if (refusedForContent(err)) {
        for (const object of chunk) creations.set(object.key, await createOne(client, type, object, options));
      } else {
        stopped = err;
        for (const object of chunk) creations.set(object.key, { error: err });
      }
    }
  }
  return creations;
}

async function createOne(client: HubSpotClient, type: 'contacts' | 'calls', object: ObjectToCreate, options: CreationOptions): Promise<Creation> {
  try {
    const created = await client.create(type, object.properties, object.associations, options.signal, `creating the HubSpot ${options.noun}`);
    return { id: created.id };
  } catch (err) {
    return { error: err };
  }
}

/** A whole request refused for what it holds (one bad input fails an all-or-nothing batch), not for who sent it or when. */
function refusedForContent(err: unknown): boolean {
  return err instanceof HubSpotApiError && err.status >= 400 && err.status < 500 && ![401, 403, 408, 423, 429].includes(err.status);
}

/**
 * Pairs a batch answer with its inputs: failed inputs by the trace ids in `errors`, results by
 * their echoed trace id, else by {@link CreationOptions.matchBy}, else (with `pairUnmatched`) in
 * order. HubSpot does not answer in input order (HubSpot/hubspot-api-nodejs#190), so position alone
 * is never trusted when something better is there. An input neither created nor refused in the
 * answer is left to a retry.
 */
function attribute(chunk: readonly ObjectToCreate[], answer: BatchCreateAnswer, action: string, options: CreationOptions): Map<string, Creation> {
  const creations = new Map<string, Creation>();
  const inputs = new Map(chunk.map((o) => [o.key, o]));
  for (const error of answer.errors) {
    for (const key of error.context?.objectWriteTraceId ?? []) {
      if (inputs.has(key)) creations.set(key, { error: new HubSpotInputError(action, error.category ?? 'UNKNOWN', error.message ?? '') });
    }
  }
  const open = (): ObjectToCreate[] => chunk.filter((o) => !creations.has(o.key));
  const unmatched: HubSpotObject[] = [];
  for (const result of answer.results) {
    const traced = result.objectWriteTraceId !== undefined && inputs.has(result.objectWriteTraceId) && !creations.has(result.objectWriteTraceId)
      ? result.objectWriteTraceId : undefined;
    const candidates = traced === undefined ? open().filter((o) => sameProperties(o, result, options.matchBy)) : [];
    const key = traced ?? (candidates.length === 1 ? candidates[0]!.key : undefined);
    if (key === undefined) unmatched.push(result);
    else creations.set(key, { id: result.id });
  }
  const left = open();
  for (const [i, object] of left.entries()) {
    const result = options.pairUnmatched ? unmatched[i] : undefined;
    creations.set(object.key, result
      ? { id: result.id }
      : { error: new HubSpotInputError(action, 'UNMATCHED', unmatched.length
        ? `HubSpot's answer does not tell which of its ${unmatched.length} unmatched results is this ${options.noun}`
        : `HubSpot's answer names this ${options.noun} neither as created nor as refused`) });
  }
  return creations;
}

/** Whether a result holds what the input sent, for the properties that tell inputs apart. */
function sameProperties(input: ObjectToCreate, result: HubSpotObject, names: readonly string[]): boolean {
  const compared = names.filter((name) => input.properties[name] !== undefined);
  return compared.length > 0 && compared.every((name) => {
    const sent = input.properties[name]!;
    const got = result.properties[name];
    if (got === null || got === undefined) return false;
    // HubSpot answers a date-time in its own ISO form (`2026-11-24T14:03:05Z` for `...05.000Z`).
    if (name === 'hs_timestamp') return Date.parse(sent) === Date.parse(got);
    return sent.trim() === got.trim();
  });
}
