import { z } from 'zod';
import * as s from './schemas.js';

type Schema = z.ZodType;

const json = (schema: Schema, io: 'input' | 'output' = 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;

/** Query parameters of a GET, one per key of an object schema. */
function parameters(schema: z.ZodObject): unknown[] {
  const props = (json(schema, 'input').properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(props).map(([name, prop]) => ({
    name, in: 'query', required: false,
    ...(prop.description ? { description: prop.description } : {}),
    schema: Object.fromEntries(Object.entries(prop).filter(([k]) => k !== 'description')),
  }));
}

const ok = (schema: Schema, description = 'OK') => ({ description, content: { 'application/json': { schema: json(schema) } } });
const failures = {
  400: ok(s.errorBody, 'The request does not match the schema'),
  401: ok(s.errorBody, 'The admin token is missing or wrong'),
};

/**
 * The OpenAPI 3.0 document of the admin API, generated from the schemas the handlers validate
 * with (schemas.ts). Served at `GET /api/openapi.json`.
 */
export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: { title: 'callrelay admin API', version, description: 'Calls, deliveries and dead letters of a callrelay node (docs/console.md). Every request carries `Authorization: Bearer <admin token>` when a token is configured.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: {
      '/api/calls': { get: { summary: 'Recent calls, newest first, a page at a time', parameters: parameters(s.callListQuery), responses: { 200: ok(s.callPage), ...failures } } },
      '/api/calls/{source}/{callId}': { get: {
        summary: 'One call: its events (with the raw webhooks) and where each delivery is',
        parameters: [{ name: 'source', in: 'path', required: true, schema: { type: 'string' } }, { name: 'callId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: ok(s.callDetail), 404: ok(s.errorBody, 'No such call'), ...failures },
      } },
      '/api/sinks': { get: { summary: 'Each sink\'s queue, success rate, last error and retry schedule', responses: { 200: ok(s.sinkList), ...failures } } },
      '/api/dead-letters': { get: { summary: 'Dead letters, oldest first', parameters: parameters(s.deadLetterQuery), responses: { 200: ok(s.deadLetterPage), ...failures } } },
      '/api/dead-letters/replay': { post: { summary: 'Put dead letters back on their sink\'s queue', requestBody: { required: true, content: { 'application/json': { schema: json(s.deadLetterAction, 'input') } } }, responses: { 200: ok(s.deadLetterResult), ...failures } } },
      '/api/dead-letters/discard': { post: { summary: 'Remove dead letters for good', requestBody: { required: true, content: { 'application/json': { schema: json(s.deadLetterAction, 'input') } } }, responses: { 200: ok(s.deadLetterResult), ...failures } } },
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
    },
  };
}
