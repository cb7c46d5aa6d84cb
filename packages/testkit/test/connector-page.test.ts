import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineSink, defineTransform, secretSchema, z } from '@callrelay/core';
import { parse } from 'yaml';
import { checkConnectorPage, connectorPage } from '../src/index.js';

const teams = defineSink({
  type: 'teams',
  description: 'Posts call alerts to a Teams webhook.',
  config: z.object({
    webhookUrl: z.url().meta({ description: 'The incoming webhook URL.' }),
    token: secretSchema.optional().meta({ description: 'A bearer token.' }),
  }),
  example: { type: 'teams', webhookUrl: 'https://example.webhook.office.com/x', token: '${TEAMS_TOKEN}' },
  create: () => ({ deliver: async () => undefined }),
});

describe('connector pages: connectorPage and checkConnectorPage', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-page-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a whole page: title, description, install line, config table from the schema, the example in a pipeline', () => {
    const page = connectorPage(teams, { packageName: '@acme/callrelay-sink-teams' });
    expect(page).to.match(/^# Sink: teams\n\nPosts call alerts to a Teams webhook\.\n/);
    expect(page).to.include('npm install @acme/callrelay-sink-teams');
    expect(page).to.include('| `webhookUrl` | string |  | **required**. The incoming webhook URL. |');
    expect(page).to.include('| `token` | string |  | secret. A bearer token. |');
    expect(page).to.include('sinks:\n  teams:\n    type: "@acme/callrelay-sink-teams"\n    webhookUrl: https://example.webhook.office.com/x\n    token: ${TEAMS_TOKEN}\n');
  });

  it('writes a missing page, then finds it current', () => {
    const file = path.join(dir, 'docs', 'teams.md');
    expect(checkConnectorPage(file, teams)).to.deep.equal([`${file}: no page (write it with { write: true })`]);
    expect(checkConnectorPage(file, teams, { write: true })).to.deep.equal([]);
    expect(readFileSync(file, 'utf8')).to.equal(connectorPage(teams));
    expect(checkConnectorPage(file, teams)).to.deep.equal([]);
  });

  it('reports a stale table and example, and rewrites only them: the prose around stays', () => {
    const file = path.join(dir, 'stale.md');
    const current = connectorPage(teams);
    const edited = `${current.replace('The incoming webhook URL.', 'An old description.').replace('TEAMS_TOKEN', 'OLD_TOKEN')}\n## Notes\n\nWritten by hand.\n`;
    writeFileSync(file, edited);
    expect(checkConnectorPage(file, teams)).to.deep.equal([`${file}: config reference out of date (regenerate the page)`, `${file}: example out of date (regenerate the page)`]);
    expect(readFileSync(file, 'utf8'), 'checking writes nothing').to.equal(edited);
    expect(checkConnectorPage(file, teams, { write: true })).to.deep.equal([]);
    expect(readFileSync(file, 'utf8')).to.equal(`${current}\n## Notes\n\nWritten by hand.\n`);
  });

  it('names missing markers, and an example that does not validate against the schema', () => {
    const file = path.join(dir, 'no-markers.md');
    writeFileSync(file, '# Sink: teams\n\nNo generated parts.\n');
    expect(checkConnectorPage(file, teams, { write: true })).to.deep.equal([
      `${file}: no <!-- config-reference:start --> ... <!-- config-reference:end --> markers`,
      `${file}: no <!-- config-example:start --> ... <!-- config-example:end --> markers`,
    ]);
    const broken = { ...teams, example: { type: 'teams', webhookUrl: 'not a url' } };
    const page = path.join(dir, 'broken.md');
    writeFileSync(page, connectorPage(broken));
    expect(checkConnectorPage(page, broken)).to.deep.equal(['sink teams: example webhookUrl: Invalid URL']);
    expect(checkConnectorPage(page, { ...teams, example: undefined })).to.include('sink teams: no example (set `example` on the definition)');
  });

  it('a value that is one whole environment reference is checked when the file is loaded, not as the example', () => {
    const fromEnv = (webhookUrl: string) => checkConnectorPage(path.join(dir, 'env.md'), { ...teams, example: { type: 'teams', webhookUrl } }, { write: true });
    for (const reference of ['${TEAMS_WEBHOOK_URL}', '${TEAMS_WEBHOOK_URL:-https://example.com/x}', '${file:/run/secrets/teams-url}']) {
      expect(fromEnv(reference), reference).to.deep.equal([]);
    }
    // A reference inside a longer string, or something that only looks like one, is checked as written.
    for (const written of ['${TEAMS_WEBHOOK_BASE}/hook', '${TEAMS WEBHOOK}', '$TEAMS_WEBHOOK_URL']) {
      expect(fromEnv(written), written).to.deep.equal(['sink teams: example webhookUrl: Invalid URL']);
    }
  });

  it("a transform's example goes in a pipeline's transforms, as the config file has them", () => {
    const upper = defineTransform({
      type: 'upper', description: 'Upper-cases the caller name.', config: z.object({ field: z.string() }), example: { type: 'upper', field: 'from.name' },
      create: () => ({ apply: (event) => event }),
    });
    const pipeline = (parse(connectorPage(upper).split('```yaml\n')[1]!.split('```')[0]!) as { pipelines: Record<string, Record<string, unknown>> }).pipelines['with-upper']!;
    expect(pipeline.transforms).to.deep.equal([{ type: 'upper', field: 'from.name' }]);
    expect(pipeline).not.to.have.property('steps');
  });
});
