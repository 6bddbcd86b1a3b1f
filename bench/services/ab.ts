/**
 * Two builds of irsakit side by side for the services (S3 GetObject and PutObject of 1 KiB,
 * DynamoDB GetItem), to tell whether a change made them faster (see bench/lib/ab.ts).
 *
 * Run: npm run build && node dist/bench/services/ab.js /path/to/other/checkout
 */
import { compareBuilds } from '../lib/ab.js';
import { runBench } from '../lib/proc.js';
import { serviceOps, setupIrsakit } from './setup.js';

runBench(() =>
  compareBuilds(
    setupIrsakit,
    serviceOps.map(([name, make]) => [name, (s) => make(s.host, s.role)]),
  ),
);
