import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runStoreContract } from '@callrelay/testkit';
import { SqliteStore } from '@callrelay/store-sqlite';

const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-sqlite-contract-'));
const file = path.join(dir, 'store.db');

runStoreContract('sqlite', {
  open: () => SqliteStore.open({ path: file, pollIntervalMs: 50 }),
  openPeer: () => SqliteStore.open({ path: file, pollIntervalMs: 50 }),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
