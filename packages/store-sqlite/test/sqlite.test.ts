import { describe, it } from 'mocha';
import { expect } from 'chai';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { contractEvent } from '@callrelay/testkit';
import sqlite, { SqliteStore } from '@callrelay/store-sqlite';
import { testContext } from '@callrelay/testkit';

const tempFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'callrelay-sqlite-')), 'store.db');

describe('sqlite store', () => {
  it('group-commits concurrent appends into few transactions', async () => {
    const store = await SqliteStore.open({ path: tempFile() });
    const before = await store.commits();
    const results = await Promise.all(Array.from({ length: 300 }, () => store.append([contractEvent()])));
    expect(results.every((r) => r.stored.length === 1)).to.equal(true);
    const commits = (await store.commits()) - before;
    expect(commits, `${commits} commits for 300 appends`).to.be.at.most(10);
    expect(await store.routing.depth()).to.equal(300);
    await store.close();
  });

  it('fails one write alone: a conflicting CAS in a batch does not fail its neighbours', async () => {
    const store = await SqliteStore.open({ path: tempFile() });
    const kv = store.kv('n');
    await kv.put('a', 1, 0);
    const [conflict, fresh, event] = await Promise.all([kv.put('a', 2, 0), kv.put('b', 1, 0), store.append([contractEvent()])]);
    expect(conflict).to.equal(false);
    expect(fresh).to.be.a('number');
    expect(event.stored).to.have.length(1);
    await store.close();
  });

  it('resumes after a restart: leased items come back once their lease expires', async () => {
    const file = tempFile();
    let store = await SqliteStore.open({ path: file });
    const q = store.deliveries('s');
    await q.enqueue([{ id: 'd1', payload: { sinkId: 's', pipeline: 'p', event: contractEvent() } }]);
    const [leased] = await q.claim(1, { leaseMs: 300, waitMs: 0 });
    expect(leased?.id).to.equal('d1');
    await store.close(); // the process "dies" holding the lease
    store = await SqliteStore.open({ path: file });
    const again = await store.deliveries('s').claim(1, { leaseMs: 1000, waitMs: 3000 });
    expect(again.map((l) => l.id)).to.deep.equal(['d1']);
    expect(again[0]!.deliveries).to.equal(2);
    await store.close();
  });

  it('is created from config relative to the config folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-sqlite-cfg-'));
    const store = await sqlite.create(sqlite.config.parse({ path: 'nested/data.db' }), { ...testContext(), baseDir: dir });
    await store.append([contractEvent()]);
    expect(existsSync(path.join(dir, 'nested', 'data.db'))).to.equal(true);
    await store.close();
  });
});
