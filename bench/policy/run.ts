/**
 * Policy-engine throughput, single core: evaluations per second for
 *   (a) one small identity policy,
 *   (b) one 10-statement policy with wildcards and conditions,
 *   (c) a role with 10 attached policies of 20 statements, a permissions boundary and a
 *       resource policy.
 * Each evaluation builds its request context afresh (as a server does per request) and the
 * requests rotate, so memoised context values and branch history do not flatter the numbers.
 *
 * Run: npm run bench   (or: node dist/bench/policy/run.js [--seconds N])
 */
import { cpus } from 'node:os';
import {
  type AuthorizationRequest,
  type CompiledPolicy,
  type ContextInput,
  compilePolicy,
  createContext,
  evaluateRequest,
  type PolicySets,
  parsePolicyValue,
  principalFromString,
} from '../../src/policy/index.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 1.5;

function compile(
  doc: unknown,
  id: string,
  kind: 'identity' | 'boundary' | 'resource',
): CompiledPolicy {
  const r = parsePolicyValue(doc);
  if (!r.ok) throw new Error(`${id}: ${r.error.message} ${r.error.detail ?? ''}`);
  return compilePolicy(r.document, { id, kind });
}

const ACCOUNT = '123456789012';
const session = principalFromString(
  `arn:aws:sts::${ACCOUNT}:assumed-role/s3-app-role/botocore-session-1`,
);
if (!session) throw new Error('principal');

interface Scenario {
  name: string;
  target: number;
  sets: PolicySets;
  requests: { action: string; resource: string; context: ContextInput }[];
}

const baseContext: ContextInput = {
  'aws:SourceIp': '10.1.2.3',
  'aws:SecureTransport': 'true',
  'aws:CurrentTime': '2026-11-22T12:00:00Z',
  'aws:PrincipalTag/team': 'payments',
  'aws:username': 'ana',
  'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/s3-app-role`,
  'aws:RequestedRegion': 'us-east-1',
};

// (a) one small identity policy
const small = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: ['arn:aws:s3:::my-bucket', 'arn:aws:s3:::my-bucket/*'],
    },
  ],
};

// (b) ten statements with wildcards and conditions
const tenStatements = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Read',
      Effect: 'Allow',
      Action: ['s3:Get*', 's3:List*'],
      Resource: 'arn:aws:s3:::my-bucket*',
    },
    {
      Sid: 'Home',
      Effect: 'Allow',
      Action: 's3:*Object',
      Resource: 'arn:aws:s3:::home/${aws:username}/*',
    },
    {
      Sid: 'Tls',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'Net',
      Effect: 'Allow',
      Action: 'sqs:*',
      Resource: 'arn:aws:sqs:*:123456789012:orders-*',
      Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } },
    },
    {
      Sid: 'Team',
      Effect: 'Allow',
      Action: 'dynamodb:*Item',
      Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/${aws:PrincipalTag/team}-*',
    },
    {
      Sid: 'Time',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
      Condition: {
        DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' },
        StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/s3-*' },
      },
    },
    {
      Sid: 'Region',
      Effect: 'Deny',
      NotAction: ['iam:*', 'sts:*'],
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } },
    },
    {
      Sid: 'Kms',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: 'arn:aws:kms:us-east-1:123456789012:key/*',
      Condition: { 'ForAnyValue:StringEquals': { 'aws:CalledVia': 's3.amazonaws.com' } },
    },
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: 'logs:*',
      Resource: 'arn:aws:logs:*:*:log-group:/app/*',
    },
    {
      Sid: 'NoDelete',
      Effect: 'Deny',
      Action: ['s3:DeleteBucket', 's3:PutBucketPolicy'],
      Resource: '*',
    },
  ],
};

// (c) ten attached policies of twenty statements, a boundary and a resource policy
function attached(n: number) {
  const svcs = [
    's3',
    'sqs',
    'dynamodb',
    'secretsmanager',
    'kms',
    'logs',
    'ssm',
    'sns',
    'lambda',
    'ecr',
  ];
  return {
    Version: '2012-10-17',
    Statement: Array.from({ length: 20 }, (_, i) => {
      const svc = svcs[(n + i) % svcs.length] as string;
      const st: Record<string, unknown> = {
        Sid: `P${n}S${i}`,
        Effect: i % 7 === 6 ? 'Deny' : 'Allow',
        Action: [`${svc}:Get*`, `${svc}:Describe*`, `${svc}:List*`, `${svc}:Put${i}*`],
        Resource: [
          `arn:aws:${svc}:*:123456789012:res-${n}-${i}/*`,
          `arn:aws:s3:::bucket-${n}-${i}/*`,
        ],
      };
      if (i % 3 === 0)
        st.Condition = { StringEquals: { 'aws:PrincipalTag/team': ['payments', `team-${i}`] } };
      if (i % 5 === 0)
        st.Condition = {
          IpAddress: { 'aws:SourceIp': '10.0.0.0/8' },
          Bool: { 'aws:SecureTransport': 'true' },
        };
      return st;
    }),
  };
}
const boundary = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:*', 'sqs:*', 'dynamodb:*', 'secretsmanager:*', 'kms:Decrypt'],
      Resource: '*',
    },
    { Effect: 'Deny', Action: 'iam:*', Resource: '*' },
  ],
};
const bucketPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Deny-http',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::bucket-3-4', 'arn:aws:s3:::bucket-3-4/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'App',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:role/s3-app-role' },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::bucket-3-4/*',
    },
  ],
};

const scenarios: Scenario[] = [
  {
    name: '(a) one small identity policy',
    target: 1_000_000,
    sets: { identity: [compile(small, 'small', 'identity')] },
    requests: [
      {
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::my-bucket/reports/2026.csv',
        context: baseContext,
      },
      {
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::my-bucket/reports/2026.csv',
        context: baseContext,
      },
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::my-bucket', context: baseContext },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::other-bucket/x', context: baseContext },
    ],
  },
  {
    name: '(b) 10 statements, wildcards and conditions',
    target: 250_000,
    sets: { identity: [compile(tenStatements, 'ten', 'identity')] },
    requests: [
      { action: 's3:GetObject', resource: 'arn:aws:s3:::my-bucket/k', context: baseContext },
      { action: 's3:PutObject', resource: 'arn:aws:s3:::home/ana/notes.txt', context: baseContext },
      {
        action: 'sqs:SendMessage',
        resource: 'arn:aws:sqs:us-east-1:123456789012:orders-eu',
        context: baseContext,
      },
      {
        action: 'dynamodb:GetItem',
        resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/payments-ledger',
        context: baseContext,
      },
      {
        action: 'secretsmanager:GetSecretValue',
        resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
        context: baseContext,
      },
      { action: 's3:DeleteBucket', resource: 'arn:aws:s3:::my-bucket', context: baseContext },
    ],
  },
  {
    name: '(c) 10 policies x 20 statements + boundary + resource policy',
    target: 50_000,
    sets: {
      identity: Array.from({ length: 10 }, (_, n) =>
        compile(attached(n), `policy-${n}`, 'identity'),
      ),
      boundary: [compile(boundary, 'boundary', 'boundary')],
      resource: [compile(bucketPolicy, 'bucket-policy', 'resource')],
    },
    requests: [
      {
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::bucket-3-4/data.json',
        context: baseContext,
      },
      {
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::bucket-5-5/data.json',
        context: baseContext,
      },
      {
        action: 'sqs:ReceiveMessage',
        resource: 'arn:aws:sqs:us-east-1:123456789012:res-1-0/q',
        context: baseContext,
      },
      {
        action: 'dynamodb:PutItem',
        resource: 'arn:aws:dynamodb:us-east-1:123456789012:res-2-0/t',
        context: baseContext,
      },
      {
        action: 'kms:Decrypt',
        resource: 'arn:aws:kms:us-east-1:123456789012:key/abc',
        context: baseContext,
      },
      {
        action: 'iam:PassRole',
        resource: 'arn:aws:iam::123456789012:role/admin',
        context: baseContext,
      },
    ],
  },
];

function measure(
  s: Scenario,
  freshContext: boolean,
): { perSecond: number; decisions: Record<string, number> } {
  const principal = session as NonNullable<typeof session>;
  const prebuilt: AuthorizationRequest[] = s.requests.map((r) => ({
    principal,
    action: r.action,
    resource: r.resource,
    context: createContext(r.context),
  }));
  const decisions: Record<string, number> = {};
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const k = i % prebuilt.length;
      const base = prebuilt[k] as AuthorizationRequest;
      const req = freshContext
        ? {
            ...base,
            context: createContext((s.requests[k] as Scenario['requests'][number]).context),
          }
        : base;
      const d = evaluateRequest(req, s.sets);
      if (i < prebuilt.length) decisions[`${req.action} → ${d.decision}`] = 1;
    }
  };
  run(50_000); // warm-up
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const budget = BigInt(Math.round((seconds / 5) * 1e9));
    while (process.hrtime.bigint() - start < budget) {
      run(10_000);
      n += 10_000;
    }
    const ns = Number(process.hrtime.bigint() - start);
    rounds.push((n / ns) * 1e9);
  }
  rounds.sort((a, b) => a - b);
  return { perSecond: rounds[2] as number, decisions };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(
  `irsakit policy engine benchmark — node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores, one used)`,
);
console.log(`median of 5 rounds, ${seconds}s per scenario and mode\n`);
let failed = false;
for (const s of scenarios) {
  const fresh = measure(s, true);
  const reused = measure(s, false);
  const ok = fresh.perSecond >= s.target;
  failed ||= !ok;
  console.log(s.name);
  console.log(
    `  fresh context per request : ${fmt(fresh.perSecond).padStart(11)} evals/s  (${(1e9 / fresh.perSecond).toFixed(0)} ns)  target ${fmt(s.target)}  ${ok ? 'ok' : 'BELOW TARGET'}`,
  );
  console.log(
    `  context reused            : ${fmt(reused.perSecond).padStart(11)} evals/s  (${(1e9 / reused.perSecond).toFixed(0)} ns)`,
  );
  console.log(`  decisions: ${Object.keys(fresh.decisions).join('; ')}\n`);
}
const mem = process.memoryUsage();
console.log(
  `heap used ${(mem.heapUsed / 1048576).toFixed(1)} MiB, rss ${(mem.rss / 1048576).toFixed(1)} MiB`,
);
process.exitCode = failed ? 1 : 0;
