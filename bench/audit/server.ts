/**
 * The AWS edge alone, for the audit benchmark: IAM and STS over a fresh store, with the audit
 * trail (`full` or `normal` durability) or without it (`off`). Prints `{port, key, secret}`
 * as one JSON line once it listens, and `{cpu}` (its user+system CPU microseconds, writer
 * thread included) on each SIGUSR2; runs until killed.
 *
 * Run: node dist/bench/audit/server.js <data dir> <off|full|normal>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuditTrail, openAuditLog } from '../../src/audit/index.js';
import type { ClusterService } from '../../src/cluster/cluster-service.js';
import { systemClock } from '../../src/common/clock.js';
import { wireAws } from '../../src/server/aws-wiring.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const [dataDir, mode] = process.argv.slice(2) as [string, 'off' | 'full' | 'normal'];
const store = openSqliteStore(dataDir);
const audit = mode === 'off' ? undefined : await openAuditLog(dataDir, { durability: mode });
const trail = audit ? createAuditTrail({ log: audit, logFormat: 'none' }) : undefined;
const aws = await wireAws({
  store,
  dataDir,
  clock: systemClock,
  // the benchmark calls STS only
  clusters: {} as ClusterService,
  caCertPath: '',
  record: trail?.record,
  onResult: trail?.onResult,
  audit,
});
const server = createServer((req, res) => void aws.edge(req, res));
server.listen(0, '127.0.0.1', () => {
  const key = aws.adminKeys[0];
  process.stdout.write(
    `${JSON.stringify({ port: (server.address() as AddressInfo).port, key: key?.accessKeyId, secret: key?.secretAccessKey })}\n`,
  );
});

process.on('SIGUSR2', () => {
  const u = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpu: u.user + u.system })}\n`);
});
