/**
 * Two builds of irsakit side by side for STS (AssumeRoleWithWebIdentity and SigV4
 * GetCallerIdentity), to tell whether a change made STS faster (see bench/lib/ab.ts).
 *
 * Run: npm run build && node dist/bench/sts/ab.js /path/to/other/checkout
 * (the other checkout built too; BENCH_ROUNDS, default 5; BENCH_SECONDS, default 3)
 */
import { compareBuilds } from '../lib/ab.js';
import { signedQuery } from '../lib/irsa.js';
import { runBench } from '../lib/proc.js';
import { arwwiRequest, setupIrsakit } from './setup.js';

runBench(() =>
  compareBuilds(setupIrsakit, [
    ['AssumeRoleWithWebIdentity', (s) => arwwiRequest(s.jwt)],
    [
      'GetCallerIdentity',
      (s) => signedQuery(s.host, 'Action=GetCallerIdentity&Version=2011-06-15', s.creds, 'sts'),
    ],
  ]),
);
