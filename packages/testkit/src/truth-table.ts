import type { WebhookFixture } from './fixtures.js';

/**
 * The truth table of docs/calls.md: for each platform configuration (row) and call scenario
 * (column), the outcome the call tracker must give. Each cell is a fixture tagged with
 * `truthTable: { row, scenario }` whose `expectOutcomes` is the cell; a cell that cannot happen on
 * a configuration is listed in {@link TRUTH_TABLE_NOT_APPLICABLE} with the reason.
 */

/** Platform configurations: one platform with one way of sending its webhooks. */
export const TRUTH_TABLE_ROWS = [
  'signalwire-final-only',    // StatusCallback without StatusCallbackEvent: only the final status per leg
  'signalwire-all-events',    // StatusCallbackEvent="initiated ringing answered completed"
  'signalwire-dial-action',   // the <Dial action> callback (DialCallStatus) on the same route
  'signalwire-swml',          // SWML / Call Fabric call-state webhooks (JSON, params.call_state)
  'jambonz',                  // call status hook, dial without answerOnBridge
  'jambonz-answer-on-bridge', // dial with answerOnBridge: no status webhook for the caller's leg
  '3cx-addon',                // the WebhooksApi add-on
  '3cx-crm-journal',          // 3CX's own CRM integration template: one journal request per call
  'impactpbx',
] as const;
export type TruthTableRow = (typeof TRUTH_TABLE_ROWS)[number];

/** Call scenarios (columns). */
export const TRUTH_TABLE_SCENARIOS = [
  'caller-hangs-up-ringing',       // the caller gives up while phones ring
  'nobody-answers',                // rings out: the agent(s) never pick up
  'agent-busy',                    // the agent's phone answers busy (486/600)
  'agents-unregistered',           // no agent reachable (not registered, 404/480)
  'queue-abandon',                 // the caller hangs up while waiting in a queue
  'voicemail',                     // nobody answered; the caller left a voicemail (a recording)
  'answered-directly',             // an agent answers
  'answered-after-transfer',       // answered, then transferred to another agent who answers
  'app-answered-agents-no-answer', // the platform's application answered, dialed agents, none answered
  'outbound-unanswered',           // an outbound call nobody answered: never a missed call
] as const;
export type TruthTableScenario = (typeof TRUTH_TABLE_SCENARIOS)[number];

/** Cells that cannot happen on a configuration, with the reason (shown in the table). */
export const TRUTH_TABLE_NOT_APPLICABLE: Partial<Record<TruthTableRow, Partial<Record<TruthTableScenario, string>>>> = {
  'signalwire-final-only': {
    'queue-abandon': 'with status callbacks alone no leg exists until an agent takes a queued call, so a caller leaving the queue looks like a call the application handled by itself (completed); configure the `<Enqueue action>` callback (row `signalwire-dial-action`)',
  },
  'signalwire-all-events': {
    'queue-abandon': 'as for final-only: status callbacks show no queue; configure the `<Enqueue action>` callback (row `signalwire-dial-action`)',
  },
  '3cx-addon': {
    voicemail: 'the WebhooksApi add-on documents no voicemail event or file (its recordings are call recordings); how a voicemail pickup is reported is not documented',
  },
  '3cx-crm-journal': {
    voicemail: "3CX's CRM journal has no voicemail call type and the template sends no recording; a `RecordingUrl` on a `Missed` entry is mapped (flag `voicemail`), unconfirmed",
  },
  impactpbx: {
    voicemail: "the vendor's article shows no voicemail event or field; `recording` is the file name of a call recording",
    'answered-after-transfer': "the vendor's article shows no transfer action",
    'app-answered-agents-no-answer': "the vendor's article shows no IVR; an IVR's answer would look like a person's (`answer_start`), so such a call would be reported completed until real payloads show otherwise",
  },
};

/** One cell: the fixture that fills it, or why it has none. */
export interface TruthTableCell {
  row: TruthTableRow;
  scenario: TruthTableScenario;
  fixture?: WebhookFixture;
  notApplicable?: string;
  /** Problems of the table itself: a cell with no fixture and no reason, or two fixtures. */
  problems: string[];
}

/** Lays the tagged fixtures out as the table's cells, row by row. */
export function truthTableCells(fixtures: readonly WebhookFixture[]): TruthTableCell[] {
  const cells: TruthTableCell[] = [];
  for (const row of TRUTH_TABLE_ROWS) {
    for (const scenario of TRUTH_TABLE_SCENARIOS) {
      const matching = fixtures.filter((f) => f.truthTable?.row === row && f.truthTable.scenario === scenario);
      const notApplicable = TRUTH_TABLE_NOT_APPLICABLE[row]?.[scenario];
      const problems: string[] = [];
      if (matching.length > 1) problems.push(`${row} × ${scenario}: ${matching.length} fixtures (${matching.map((f) => f.name).join(', ')})`);
      if (!matching.length && !notApplicable) problems.push(`${row} × ${scenario}: no fixture and no reason why not`);
      if (matching.length && notApplicable) problems.push(`${row} × ${scenario}: has a fixture but is declared not applicable`);
      if (matching[0] && !matching[0].expectOutcomes) problems.push(`${matching[0].name}: a truth table fixture needs expectOutcomes`);
      if (matching[0] && !matching[0].cites?.length) problems.push(`${matching[0].name}: a truth table fixture cites the vendor material it follows`);
      cells.push({ row, scenario, ...(matching[0] ? { fixture: matching[0] } : {}), ...(notApplicable ? { notApplicable } : {}), problems });
    }
  }
  for (const fixture of fixtures) {
    const tag = fixture.truthTable;
    if (tag && (!TRUTH_TABLE_ROWS.includes(tag.row) || !TRUTH_TABLE_SCENARIOS.includes(tag.scenario))) {
      cells.push({ row: tag.row, scenario: tag.scenario, fixture, problems: [`${fixture.name}: unknown truth table cell ${tag.row} × ${tag.scenario}`] });
    }
  }
  return cells;
}

/** What a cell expects, in words: `missed`, `missed (voicemail)`, `completed`, `none`. */
export function expectedOutcomeText(fixture: WebhookFixture): string {
  const o = fixture.expectOutcomes ?? { missed: 0, completed: 0 };
  const words = [...Array(o.missed).fill('missed'), ...Array(o.completed).fill('completed')];
  const text = words.length ? words.join(' + ') : 'none';
  const flags = fixture.expectOutcomeFlags?.length ? ` (${fixture.expectOutcomeFlags.join(', ')})` : '';
  return `${text}${flags}`;
}

/** The table as Markdown (docs/calls.md): rows are configurations, columns scenarios. */
export function truthTableMarkdown(fixtures: readonly WebhookFixture[]): string {
  const cells = truthTableCells(fixtures);
  const lines = [
    `| configuration | ${TRUTH_TABLE_SCENARIOS.join(' | ')} |`,
    `| --- |${TRUTH_TABLE_SCENARIOS.map(() => ' --- |').join('')}`,
  ];
  for (const row of TRUTH_TABLE_ROWS) {
    const texts = TRUTH_TABLE_SCENARIOS.map((scenario) => {
      const cell = cells.find((c) => c.row === row && c.scenario === scenario)!;
      if (cell.fixture) return expectedOutcomeText(cell.fixture);
      return cell.notApplicable ? 'n/a¹' : '**missing**';
    });
    lines.push(`| \`${row}\` | ${texts.join(' | ')} |`);
  }
  const notes = cells.filter((c) => c.notApplicable).map((c) => `- \`${c.row}\` × \`${c.scenario}\`: ${c.notApplicable}`);
  if (notes.length) lines.push('', '¹ Not applicable:', '', ...notes);
  return lines.join('\n');
}
