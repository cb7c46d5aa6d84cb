import { PLUGIN_API_VERSION } from '@callrelay/core';
import { describe, it } from 'mocha';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, z } from '@callrelay/core';
import { ConnectorRegistry, parseConfig, registerBuiltins } from '@callrelay/core/host';
import jambonz from '@callrelay/source-jambonz';
import { CONFIG_ISSUE_CODES } from '../src/config/config-error.js';
import { CALL_EVENT_FIELDS, type EventField } from '../src/config/event-fields.js';
import { WHEN_OPERATORS } from '../src/pipeline/filter.js';

const doc = (name: string) => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');
/** The first cells of a Markdown table's rows: the codes or paths they document. */
const firstCells = (markdown: string) => markdown.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.split('|')[1]!);

describe('config docs', () => {
  it('docs/errors.md documents every error code and every config issue code', () => {
    const documented = firstCells(doc('errors.md')).join(' ');
    for (const code of [...Object.keys(ERROR_CODES), ...Object.keys(CONFIG_ISSUE_CODES)]) expect(documented, code).to.include(`\`${code}\``);
  });

  it('docs/configuration.md documents every field path and operator `when` accepts', () => {
    const text = doc('configuration.md');
    const when = text.slice(text.indexOf('#### <a id="when"></a>when'));
    const cells = firstCells(when).join(' ');
    const paths = (fields: Readonly<Record<string, EventField>>, prefix = ''): string[] => Object.entries(fields).flatMap(([key, field]) => {
      if (field.kind === 'object') return [prefix + key, ...paths(field.fields, `${prefix}${key}.`)];
      if (field.kind === 'free') return [prefix + key, `${prefix}${key}.*`];
      return [prefix + key];
    });
    for (const path of paths(CALL_EVENT_FIELDS)) expect(cells, path).to.include(`\`${path}\``);
    for (const operator of WHEN_OPERATORS) expect(cells, operator).to.include(`\`${operator}\``);
    for (const [key, field] of Object.entries(CALL_EVENT_FIELDS as Readonly<Record<string, EventField>>)) {
      if (field.kind !== 'enum') continue;
      const row = when.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
      expect(row, key).to.be.a('string');
      for (const value of field.values) expect(row, `${key}: ${value}`).to.include(`\`${value}\``);
    }
  });

  it('the pipeline example of docs/configuration.md passes validation', async () => {
    const text = doc('configuration.md');
    const example = /### pipelines\n\n```yaml\n([\s\S]*?)```/.exec(text)![1]!;
    const store = { kind: 'store', type: 'sqlite', apiVersion: PLUGIN_API_VERSION, description: 'test', config: z.object({}), create: () => { throw new Error('not used'); } } as const;
    const config = await parseConfig(
      `sources:\n  pbx: { type: jambonz, auth: none }\nsinks:\n  slack-alerts: { type: console }\n  call-log: { type: console }\n${example}`,
      { file: 'configuration.md', registry: registerBuiltins(new ConnectorRegistry()).register(jambonz, store as never), env: {}, baseDir: '/tmp' },
    );
    expect(config.pipelines[0]!.when).to.deep.include({ type: 'missed', direction: 'inbound' });
  });
});
