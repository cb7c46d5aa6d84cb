import { Liquid } from 'liquidjs';
import { z } from 'zod';
import { defineTransform } from '../plugin/define.js';
import { fieldAt } from '../pipeline/filter.js';
import type { CallEvent } from '../model/call-event.js';

/** Sets a dotted path, creating objects on the way. */
function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

function deleteAt(target: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  const parent = keys.length > 1 ? fieldAt(target, keys.slice(0, -1).join('.')) : target;
  if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[keys.at(-1)!];
}

const fieldPath = z.string().regex(/^[A-Za-z_$][\w$]*(\.[\w$]+)*$/, 'a dotted field path such as details.team');

/** `map`: copy, rename, set or remove fields. Applied in that order. */
export const mapTransform = defineTransform({
  type: 'map',
  description: 'Copies, renames, sets or removes event fields (dotted paths).',
  config: z.object({
    copy: z.record(fieldPath, fieldPath).default({}).meta({ description: 'target path: source path. The value is copied.' }),
    rename: z.record(fieldPath, fieldPath).default({}).meta({ description: 'old path: new path. The value moves.' }),
    set: z.record(fieldPath, z.unknown()).default({}).meta({ description: 'path: constant value.' }),
    remove: z.array(fieldPath).default([]).meta({ description: 'Paths to delete (e.g. raw, to keep sinks lean).' }),
  }),
  example: { type: 'map', copy: { 'details.caller': 'from.e164' }, set: { 'details.team': 'support' }, remove: ['raw'] },
  create(options) {
    return {
      apply(event) {
        const target = event as unknown as Record<string, unknown>;
        for (const [to, from] of Object.entries(options.copy)) setAt(target, to, structuredClone(fieldAt(event, from)));
        for (const [from, to] of Object.entries(options.rename)) {
          const value = fieldAt(event, from);
          if (value !== undefined) { setAt(target, to, value); deleteAt(target, from); }
        }
        for (const [path, value] of Object.entries(options.set)) setAt(target, path, structuredClone(value));
        for (const path of options.remove) deleteAt(target, path);
        return target as unknown as CallEvent;
      },
    };
  },
});

/** The shared template engine: Liquid, strict about unknown filters, lenient about missing fields. */
export const liquid = new Liquid({ strictFilters: true, strictVariables: false, cache: true });

/** `template`: renders Liquid templates (the event is in scope as `event` and as its own fields) into fields. */
export const templateTransform = defineTransform({
  type: 'template',
  description: 'Renders Liquid templates into event fields (e.g. a message text any sink can use).',
  config: z.object({
    fields: z.record(fieldPath, z.string()).refine((r) => Object.keys(r).length > 0, 'name at least one field')
      .meta({ description: 'path: Liquid template. The event is available as `event` and its fields by name.' }),
  }),
  example: { type: 'template', fields: { 'details.summary': 'Missed call from {{ from.e164 | default: from.raw }}' } },
  create(options) {
    const compiled = Object.entries(options.fields).map(([path, source]) => [path, liquid.parse(source)] as const);
    return {
      async apply(event) {
        const scope = { ...event, event };
        for (const [path, template] of compiled) setAt(event as unknown as Record<string, unknown>, path, await liquid.render(template, scope));
        return event;
      },
    };
  },
});
