/**
 * Limits on the shape of a webhook body, checked on the raw bytes before any source parses it.
 * Real call webhooks are a few levels deep with a few dozen fields; the limits keep what a body can
 * cost far from that: a document nested thousands of levels deep overflows the stack of whatever
 * walks it (`JSON.stringify` in the store), and an object with tens of thousands of keys holds the
 * event loop for seconds in the sources' field lookups (which try every key in every casing).
 */
export interface BodyShapeLimits {
  /** Most nested objects/arrays (`{"a":{"b":1}}` is 2). */
  maxDepth: number;
  /** Most fields: values in objects and arrays, parameters of a form or query string. */
  maxFields: number;
}

/** The defaults of `server.maxBodyDepth` and `server.maxBodyFields`. */
export const DEFAULT_BODY_SHAPE_LIMITS: Readonly<BodyShapeLimits> = { maxDepth: 32, maxFields: 1000 };

// Separators and brackets counted without regard to strings may exceed the limits by this factor.
// A valid JSON document is measured exactly (quotes respected); this bound holds for the bodies the
// sources repair or read as forms, where quotes do not mean what the JSON scan assumes.
const BLIND_FACTOR = 8;

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, AMPERSAND = 0x26;
const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;

/**
 * Why a body exceeds the limits, or undefined. One pass over the bytes, no parse. A body that
 * starts like JSON (`{` or `[`) is measured as JSON (brackets and commas inside strings do not
 * count); any body is also measured blind to quotes, against the limits times eight (a form's
 * values may hold quotes, and a repairing parser may not read quotes the way the JSON scan did).
 */
export function bodyShapeProblem(body: Uint8Array, limits: BodyShapeLimits): string | undefined {
  const looksJson = startsLikeJson(body);
  let depth = 0, fields = 1, blindDepth = 0, blindFields = 1;
  let inString = false, escaped = false;
  const blindMaxDepth = looksJson ? limits.maxDepth * BLIND_FACTOR : limits.maxDepth;
  const blindMaxFields = looksJson ? limits.maxFields * BLIND_FACTOR : limits.maxFields;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++blindDepth > blindMaxDepth) return tooDeep(limits);
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      if (blindDepth > 0) blindDepth--;
    } else if (byte === COMMA || byte === AMPERSAND) {
      if (++blindFields > blindMaxFields) return tooWide(limits);
    }
    if (!looksJson) continue;
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === BACKSLASH) escaped = true;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > limits.maxDepth) return tooDeep(limits);
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      if (depth > 0) depth--;
    } else if (byte === COMMA) {
      if (++fields > limits.maxFields) return tooWide(limits);
    }
  }
  return undefined;
}

/** Why a query string has more parameters than allowed, or undefined. */
export function queryShapeProblem(query: Readonly<Record<string, string>>, limits: BodyShapeLimits): string | undefined {
  return Object.keys(query).length > limits.maxFields ? `more than ${limits.maxFields} query parameters` : undefined;
}

function startsLikeJson(body: Uint8Array): boolean {
  for (const byte of body) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0xef || byte === 0xbb || byte === 0xbf) continue;
    return byte === OPEN_BRACE || byte === OPEN_BRACKET;
  }
  return false;
}

function tooDeep(limits: BodyShapeLimits): string {
  return `body nested deeper than ${limits.maxDepth} levels`;
}

function tooWide(limits: BodyShapeLimits): string {
  return `body has more than ${limits.maxFields} fields`;
}
