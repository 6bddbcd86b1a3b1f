/**
 * The services' throughput and latency, irsakit against moto_server, in the same run: S3
 * GetObject and PutObject of 1 KiB and DynamoDB GetItem, SigV4-signed with a role session's
 * credentials, at 1, 16 and 64 keep-alive connections. Each server runs in its own process;
 * the load comes from wrk when installed. Besides req/s and latency it prints each server's
 * CPU per request (from /proc), which noise on a shared machine disturbs least.
 *
 * irsakit does on each call what it does in production: it verifies the signature and the
 * body's SHA-256, opens the sealed session, evaluates the role's policies (and the bucket
 * policy), reads or writes the record and body, and commits the call's audit record before
 * answering. moto checks none of it.
 *
 * Run: npm run bench:services   (moto_server for the comparison)
 */
import { cpus } from 'node:os';
import { type Creds, signed, startIrsaUp } from '../lib/irsa.js';
import { type LoadRequest, type LoadResult, formatResult, runLoad } from '../lib/load.js';
import { haveWrk, runWrk } from '../lib/wrk.js';
import { connectionCounts, cpuSeconds, runBench, startMoto } from '../lib/proc.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const BUCKET = 'bench-bucket';
const BODY = 'a'.repeat(1024);
const TABLE = {
  TableName: 'bench',
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
};
const ITEM = {
  TableName: 'bench',
  Item: { pk: { S: 'user#1' }, name: { S: 'Ana' }, n: { N: '42' } },
};
const GET_ITEM = JSON.stringify({ TableName: 'bench', Key: { pk: { S: 'user#1' } } });
const ddb = (target: string): [string, string][] => [
  ['Content-Type', 'application/x-amz-json-1.0'],
  ['X-Amz-Target', `DynamoDB_20120810.${target}`],
];

async function send(base: string, r: LoadRequest): Promise<string> {
  const res = await fetch(`${base}${r.path}`, {
    method: r.method,
    headers: r.headers,
    body: r.body,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${r.method} ${r.path}: HTTP ${res.status} ${text}`);
  return text;
}

async function setupIrsakit() {
  const up = await startIrsaUp();
  const { edge, host, admin } = up;
  const query = async (service: string, params: Record<string, string>) =>
    send(
      edge,
      signed(host, admin, 'POST', '/', service, new URLSearchParams(params).toString(), [
        ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'],
      ]),
    );
  await query('iam', {
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: 's3-bench-role',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Action: 'sts:AssumeRole',
        },
      ],
    }),
  });
  await query('iam', {
    Action: 'PutRolePolicy',
    Version: '2010-05-08',
    RoleName: 's3-bench-role',
    PolicyName: 's3',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'],
          Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
        },
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query'],
          Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/bench',
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['user#*'] } },
        },
      ],
    }),
  });
  const assumed = await query('sts', {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: 'arn:aws:iam::123456789012:role/s3-bench-role',
    RoleSessionName: 'bench',
  });
  const role: Creds = {
    accessKeyId: /<AccessKeyId>([^<]+)</.exec(assumed)?.[1] as string,
    secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(assumed)?.[1] as string,
    sessionToken: /<SessionToken>([^<]+)</.exec(assumed)?.[1] as string,
  };
  await send(edge, signed(host, admin, 'PUT', `/${BUCKET}`, 's3'));
  await send(
    edge,
    signed(host, admin, 'POST', '/', 'dynamodb', JSON.stringify(TABLE), ddb('CreateTable')),
  );
  await send(
    edge,
    signed(host, admin, 'POST', '/', 'dynamodb', JSON.stringify(ITEM), ddb('PutItem')),
  );
  return { edge, host, role, pid: up.pid, cleanup: up.cleanup };
}

async function main() {
  const load = cpus();
  const wrk = haveWrk() && process.env.BENCH_GENERATOR !== 'node';
  console.log(
    `irsakit services benchmark — node ${process.version}, ${load[0]?.model ?? 'cpu'} (${load.length} cores); ${seconds}s per point; load from ${wrk ? 'wrk (one thread)' : 'the Node generator in this process'}; each server in its own process; 1 KiB objects; audit trail on`,
  );
  const measure = (base: string, r: LoadRequest, connections: number): Promise<LoadResult> =>
    wrk
      ? runWrk(base, r, { connections, seconds })
      : runLoad(base, () => r, { connections, seconds });

  const irsa = await setupIrsakit();
  const motoServer = await startMoto();
  const haveMoto = motoServer !== undefined;
  const moto = motoServer?.base ?? '';
  const motoHost = motoServer?.host ?? '';
  const motoCreds: Creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' };
  const motoPid = motoServer?.pid;
  if (haveMoto) {
    await send(moto, signed(motoHost, motoCreds, 'PUT', `/${BUCKET}`, 's3'));
    for (const [t, b] of [
      ['CreateTable', TABLE],
      ['PutItem', ITEM],
    ] as const)
      await send(
        moto,
        signed(motoHost, motoCreds, 'POST', '/', 'dynamodb', JSON.stringify(b), ddb(t)),
      );
  }
  const put = (host: string, creds: Creds) =>
    signed(host, creds, 'PUT', `/${BUCKET}/bench/object.bin`, 's3', BODY, [
      ['Content-Type', 'application/octet-stream'],
    ]);
  const get = (host: string, creds: Creds) =>
    signed(host, creds, 'GET', `/${BUCKET}/bench/object.bin`, 's3');
  const getItem = (host: string, creds: Creds) =>
    signed(host, creds, 'POST', '/', 'dynamodb', GET_ITEM, ddb('GetItem'));
  await send(irsa.edge, put(irsa.host, irsa.role));
  if (haveMoto) await send(moto, put(motoHost, motoCreds));

  const results: Record<string, Record<number, LoadResult>> = {};
  const ops: [string, (h: string, c: Creds) => LoadRequest][] = [
    ['GetObject 1 KiB', get],
    ['PutObject 1 KiB', put],
    ['GetItem', getItem],
  ];
  const points: [string, string, LoadRequest, number | undefined][] = [];
  for (const [op, make] of ops) {
    points.push([`irsakit ${op}`, irsa.edge, make(irsa.host, irsa.role), irsa.pid]);
    if (haveMoto) points.push([`moto ${op}`, moto, make(motoHost, motoCreds), motoPid]);
  }
  // BENCH_ONLY=GetItem: only the points whose name contains it
  const only = process.env.BENCH_ONLY;
  for (const [name, base, r, pid] of points.filter(([n]) => !only || n.includes(only))) {
    for (const c of connectionCounts()) {
      const total = () => {
        const t = cpuSeconds(pid);
        return t ? t.user + t.system : Number.NaN;
      };
      const before = total();
      const res = await measure(base, r, c);
      const cpu = ((total() - before) / Math.max(1, res.requests)) * 1000;
      console.log(`${formatResult(name, res)}  cpu ${cpu.toFixed(3)} ms/req`);
      (results[name] ??= {})[c] = res;
    }
  }
  if (haveMoto) {
    console.log('');
    for (const op of ops.map(([o]) => o)) {
      for (const c of connectionCounts()) {
        const i = results[`irsakit ${op}`]?.[c];
        const m = results[`moto ${op}`]?.[c];
        const ratio = (i?.perSecond ?? 0) / (m?.perSecond || 1);
        console.log(
          `${op.padEnd(18)} c=${String(c).padStart(2)}  irsakit/moto throughput ${ratio.toFixed(1)}×${c === 16 ? `  (target ≥ 20×; irsakit p99 ${i?.p99.toFixed(2)} ms)` : ''}`,
        );
      }
    }
  } else console.log('\nmoto is not installed for python3: no comparison');
  irsa.cleanup();
}

runBench(main);
