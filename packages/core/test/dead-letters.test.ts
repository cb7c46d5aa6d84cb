import { describe, it } from 'mocha';
import { expect } from 'chai';
import { type DeadLetter } from '@callrelay/core';
import { purgeDeadLetters, selectDeadLetters } from '@callrelay/core/host';
import { MemoryStore, contractEvent } from '@callrelay/testkit';

function letter(id: string, sinkId: string, failedAt: string): DeadLetter {
  return { id, sinkId, delivery: { sinkId, pipeline: 'p', event: contractEvent() }, reason: 'answered 500', attempts: 39, failedAt };
}

async function storeWith(...letters: DeadLetter[]): Promise<MemoryStore> {
  const store = new MemoryStore();
  for (const l of letters) await store.deadLetters.add(l);
  return store;
}

const ids = (letters: DeadLetter[]) => letters.map((l) => l.id).sort();

describe('dead letters: purge', () => {
  const all = [
    letter('a', 'slack', '2026-01-01T00:00:00.000Z'),
    letter('b', 'slack', '2026-03-01T00:00:00.000Z'),
    letter('c', 'crm', '2026-01-15T00:00:00.000Z'),
    letter('d', 'crm', 'not a date'),
  ];

  it('dead letters had no purge: purging removes exactly the selection (sink and age together)', async () => {
    const store = await storeWith(...all);
    const { purged, missing } = await purgeDeadLetters(store, { sinkId: 'slack', failedBefore: Date.parse('2026-02-01T00:00:00Z') });
    expect(ids(purged)).to.deep.equal(['a']);
    expect(missing).to.deep.equal([]);
    expect(ids(await store.deadLetters.list())).to.deep.equal(['b', 'c', 'd']);
  });

  it('selects by age across sinks, keeping letters whose time cannot be read', async () => {
    const store = await storeWith(...all);
    const { letters } = await selectDeadLetters(store, { failedBefore: Date.parse('2026-02-01T00:00:00Z') });
    expect(ids(letters)).to.deep.equal(['a', 'c']);
    expect(await store.deadLetters.list()).to.have.length(4);
  });

  it('by id, reporting ids that are not dead letters, and only within the sink when one is named', async () => {
    const store = await storeWith(...all);
    const { purged, missing } = await purgeDeadLetters(store, { ids: ['a', 'c', 'zz', 'a'], sinkId: 'slack' });
    expect(ids(purged)).to.deep.equal(['a']);
    expect(missing).to.deep.equal(['zz']);
    expect(ids(await store.deadLetters.list())).to.deep.equal(['b', 'c', 'd']);
  });

  it('an empty selection purges every dead letter (the CLI asks for --all before it passes one)', async () => {
    const store = await storeWith(...all);
    expect((await purgeDeadLetters(store, {})).purged).to.have.length(4);
    expect(await store.deadLetters.list()).to.have.length(0);
  });
});
