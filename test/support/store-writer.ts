/**
 * Another process on one store file, for src/store/shared-store.test.ts: opens the store at
 * STORE_PATH shared, increments the item `c/counter` STORE_INCREMENTS times (one transaction
 * each) and writes `child/done`, then tells the parent the revision of that last write.
 */
import { SqliteStore } from '../../src/store/sqlite-store.js';

const store = new SqliteStore(process.env.STORE_PATH as string, { shared: true });
for (let i = 0; i < Number(process.env.STORE_INCREMENTS); i++)
  await store.transaction(async (tx) => {
    const n = (await tx.get<number>('c', 'counter'))?.value ?? 0;
    await tx.put('c', 'counter', n + 1);
  });
const revision = await store.put('child', 'done', true);
await store.close();
process.send?.({ revision });
