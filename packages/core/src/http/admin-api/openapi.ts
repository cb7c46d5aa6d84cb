import { z } from 'zod';
import * as s from './schemas.js';

/** Named schemas (`.meta({ id })`) by id: the document's `components.schemas`. */
type Components = Record<string, unknown>;

/**
 * One schema as OpenAPI wants it: zod puts the named schemas a schema uses under its own
 * `definitions` with `#/definitions/<id>` references, which would resolve against the document's
 * root; they move to `components.schemas` and the references follow.
 */
function hoist(value: unknown, components: Components): unknown {
  if (Array.isArray(value)) return value.map((v) => hoist(v, components));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'definitions' || key === '$defs') {
      for (const [id, def] of Object.entries(v as Record<string, unknown>)) components[id] = hoist(def, components);
    } else if (key === '$ref' && typeof v === 'string') {
      out[key] = v.replace(/^#\/(definitions|\$defs)\//, '#/components/schemas/');
    } else {
      out[key] = hoist(v, components);
    }
  }
  return out;
}

/**
 * The OpenAPI 3.0 document of the admin API, generated from the schemas the handlers validate
 * with (schemas.ts). Served at `GET /api/openapi.json`.
 */
export function openApiDocument(version: string): Record<string, unknown> {
  const components: Components = {};
  const json = (schema: z.ZodType, io: 'input' | 'output' = 'output') =>
    hoist(z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }), components) as Record<string, unknown>;

  /** Query parameters of a GET, one per key of an object schema. */
  const parameters = (schema: z.ZodObject): unknown[] => {
    const props = (json(schema, 'input').properties ?? {}) as Record<string, Record<string, unknown>>;
    return Object.entries(props).map(([name, prop]) => ({
      name, in: 'query', required: false,
      ...(prop.description ? { description: prop.description } : {}),
      schema: Object.fromEntries(Object.entries(prop).filter(([k]) => k !== 'description')),
    }));
  };
  const ok = (schema: z.ZodType, description = 'OK') => ({ description, content: { 'application/json': { schema: json(schema) } } });
  const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: json(schema, 'input') } } });
  const failures = {
    400: ok(s.errorBody, 'The request does not match the schema'),
    401: ok(s.errorBody, 'The admin token is missing or wrong'),
  };

  const paths = {
    '/api/calls': { get: { summary: 'Recent calls, newest first, a page at a time', parameters: parameters(s.callListQuery), responses: { 200: ok(s.callPage), ...failures } } },
    '/api/calls/{source}/{callId}': { get: {
      summary: 'One call: its events (with the raw webhooks) and where each delivery is',
      parameters: [{ name: 'source', in: 'path', required: true, schema: { type: 'string' } }, { name: 'callId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { 200: ok(s.callDetail), 404: ok(s.errorBody, 'No such call'), ...failures },
    } },
    '/api/sinks': { get: { summary: 'Each sink\'s queue, success rate, last error and retry schedule', responses: { 200: ok(s.sinkList), ...failures } } },
    '/api/dead-letters': { get: { summary: 'Dead letters, oldest first', parameters: parameters(s.deadLetterQuery), responses: { 200: ok(s.deadLetterPage), ...failures } } },
    '/api/dead-letters/replay': { post: { summary: 'Put dead letters back on their sink\'s queue', requestBody: body(s.deadLetterAction), responses: { 200: ok(s.deadLetterResult), ...failures } } },
    '/api/dead-letters/discard': { post: { summary: 'Remove dead letters for good', requestBody: body(s.deadLetterAction), responses: { 200: ok(s.deadLetterResult), ...failures } } },
    '/api/live-ticket': { post: { summary: 'A one-time ticket for the live stream', responses: { 200: ok(s.liveTicket), ...failures } } },
    '/api/events': { get: {
      summary: 'Server-sent events: `calls` (calls that changed, as `Call` objects) and `ping`',
      security: [],
      parameters: [
        { name: 'ticket', in: 'query', required: true, schema: { type: 'string' }, description: 'From `POST /api/live-ticket`.' },
        { name: 'after', in: 'query', required: false, schema: { type: 'integer' }, description: 'The `mark` of a calls page: changes after it.' },
      ],
      responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 401: ok(s.errorBody, 'No valid ticket') },
    } },
    '/api/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.0' } } } },
  };

  return {
    openapi: '3.0.3',
    info: { title: 'callrelay admin API', version, description: 'Calls, deliveries and dead letters of a callrelay node (docs/console.md). Every request carries `Authorization: Bearer <admin token>` when a token is configured.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: components },
    security: [{ bearer: [] }],
    paths,
  };
}
