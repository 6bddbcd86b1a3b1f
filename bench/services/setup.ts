/**
 * The irsakit side of the services benchmarks: `irsa up` on a fresh data folder with a bucket,
 * a DynamoDB table and item, and a role (S3 and DynamoDB permissions) assumed for a session,
 * made through SigV4-signed calls as a user would; and the requests measured.
 */
import { type Creds, signed, startIrsaUp } from '../lib/irsa.js';
import type { LoadRequest } from '../lib/load.js';

export const BUCKET = 'bench-bucket';
export const BODY = 'a'.repeat(1024);
export const TABLE = {
  TableName: 'bench',
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
};
export const ITEM = {
  TableName: 'bench',
  Item: { pk: { S: 'user#1' }, name: { S: 'Ana' }, n: { N: '42' } },
};
const GET_ITEM = JSON.stringify({ TableName: 'bench', Key: { pk: { S: 'user#1' } } });
export const ddb = (target: string): [string, string][] => [
  ['Content-Type', 'application/x-amz-json-1.0'],
  ['X-Amz-Target', `DynamoDB_20120810.${target}`],
];

export async function send(base: string, r: LoadRequest): Promise<string> {
  const res = await fetch(`${base}${r.path}`, {
    method: r.method,
    headers: r.headers,
    body: r.body,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${r.method} ${r.path}: HTTP ${res.status} ${text}`);
  return text;
}

export async function setupIrsakit(cli?: string) {
  const up = await startIrsaUp(cli);
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

/** The measured requests: GetObject and PutObject of 1 KiB, and GetItem. */
export const serviceOps: [string, (host: string, creds: Creds) => LoadRequest][] = [
  [
    'GetObject 1 KiB',
    (host, creds) => signed(host, creds, 'GET', `/${BUCKET}/bench/object.bin`, 's3'),
  ],
  [
    'PutObject 1 KiB',
    (host, creds) =>
      signed(host, creds, 'PUT', `/${BUCKET}/bench/object.bin`, 's3', BODY, [
        ['Content-Type', 'application/octet-stream'],
      ]),
  ],
  [
    'GetItem',
    (host, creds) => signed(host, creds, 'POST', '/', 'dynamodb', GET_ITEM, ddb('GetItem')),
  ],
];
