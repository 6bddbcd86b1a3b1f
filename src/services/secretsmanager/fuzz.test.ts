/**
 * Random requests never crash Secrets Manager: every answer is a success or an AwsError with
 * a 4xx status (never a TypeError, which the edge would turn into a 500), and nothing
 * reaches Object.prototype. Each request runs against a fresh store holding a secret with
 * two versions (the same version ids each time: the clock and random are fixed).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { fixedClock } from '../../common/clock.js';
import { callContext, testRandom } from '../../iam/testing.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { type Input, secretsManagerOperations } from './operations.js';

const OPS = [
  'CreateSecret',
  'GetSecretValue',
  'PutSecretValue',
  'DescribeSecret',
  'ListSecrets',
  'DeleteSecret',
  'RestoreSecret',
  'PutResourcePolicy',
  'GetResourcePolicy',
  'DeleteResourcePolicy',
  'TagResource',
  'UntagResource',
];
const TOKEN = 't'.repeat(32);

async function fresh() {
  const store = new SqliteStore(':memory:');
  const ops = secretsManagerOperations({
    store,
    clock: fixedClock('2026-11-22T12:00:00Z'),
    random: testRandom(),
    serverKey: new Uint8Array(32).fill(7),
    authorize: async () => {},
  });
  const call = (op: string, input: Input) =>
    (ops[op] as NonNullable<(typeof ops)[string]>)(callContext(), input);
  await call('CreateSecret', {
    Name: 'db',
    SecretString: 'one',
    Tags: [{ Key: 'team', Value: 'red' }],
  });
  await call('PutSecretValue', { SecretId: 'db', SecretString: 'two', ClientRequestToken: TOKEN });
  return { store, call };
}

const protoNames = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const anyJson = fc.jsonValue({ maxDepth: 2 });
const text = fc.oneof(fc.constantFrom(...protoNames, '', 'x'), fc.string({ maxLength: 8 }));
const secretId = fc.oneof(
  { arbitrary: fc.constant('db'), weight: 6 },
  fc.constantFrom(
    'nope',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:db',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db',
    'arn:aws:secretsmanager:us-east-1:111122223333:secret:db',
    ...protoNames,
  ),
  fc.string({ maxLength: 12 }),
  anyJson,
);
const versionId = fc.oneof(
  { arbitrary: fc.constantFrom(TOKEN, 'u'.repeat(32), 'v'.repeat(65), ...protoNames), weight: 6 },
  fc.string({ maxLength: 8 }),
  anyJson,
);
const stage = fc.oneof(
  fc.constantFrom('AWSCURRENT', 'AWSPREVIOUS', 'AWSPENDING', ...protoNames),
  anyJson,
);
const policy = fc.oneof(
  fc.constantFrom(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}',
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"*","Resource":"*"}]}',
    '{"Statement":[]',
    '{}',
    '[]',
    'null',
    '{"Statement":{"Effect":"Allow","Principal":{"AWS":["*"]}}}',
  ),
  fc.string({ maxLength: 8 }),
  anyJson,
);
const tags = fc.oneof(
  fc.array(
    fc.oneof(
      fc.record(
        { Key: fc.oneof(text, anyJson), Value: fc.oneof(text, anyJson) },
        { requiredKeys: [] },
      ),
      anyJson,
    ),
    { maxLength: 3 },
  ),
  anyJson,
);
const input = fc.record(
  {
    Name: fc.oneof(fc.constantFrom('db', 'new', 'bad name', ...protoNames), anyJson),
    SecretId: secretId,
    SecretString: fc.oneof(text, anyJson),
    SecretBinary: fc.oneof(fc.constantFrom('AAE=', '===='), text, anyJson),
    ClientRequestToken: versionId,
    VersionId: versionId,
    VersionStage: stage,
    VersionStages: fc.oneof(fc.array(stage, { maxLength: 3 }), anyJson),
    Description: fc.oneof(text, anyJson),
    KmsKeyId: fc.oneof(text, anyJson),
    Tags: tags,
    TagKeys: fc.oneof(fc.array(fc.oneof(text, anyJson), { maxLength: 3 }), anyJson),
    ResourcePolicy: policy,
    BlockPublicPolicy: fc.oneof(fc.boolean(), anyJson),
    RecoveryWindowInDays: fc.oneof(fc.integer({ min: -1, max: 40 }), anyJson),
    ForceDeleteWithoutRecovery: fc.oneof(fc.boolean(), anyJson),
    IncludePlannedDeletion: fc.oneof(fc.boolean(), anyJson),
    MaxResults: fc.oneof(fc.integer({ min: -1, max: 101 }), anyJson),
    NextToken: fc.oneof(fc.constantFrom('MQ', '', '!!'), text, anyJson),
    SortOrder: fc.oneof(fc.constantFrom('asc', 'desc', 'up'), anyJson),
    Filters: fc.oneof(
      fc.array(
        fc.oneof(
          fc.record(
            {
              Key: fc.oneof(
                fc.constantFrom('name', 'tag-key', 'tag-value', 'all', 'description', 'x'),
                anyJson,
              ),
              Values: fc.oneof(
                fc.array(fc.oneof(text, fc.constant('!db')), { maxLength: 2 }),
                anyJson,
              ),
            },
            { requiredKeys: [] },
          ),
          anyJson,
        ),
        { maxLength: 2 },
      ),
      anyJson,
    ),
  },
  { requiredKeys: [] },
);

describe('random requests', () => {
  it.each(OPS)('%s answers or refuses, never crashes', async (op) => {
    await fc.assert(
      fc.asyncProperty(input, async (body) => {
        const f = await fresh();
        try {
          await f.call(op, JSON.parse(JSON.stringify(body)) as Input);
        } catch (e) {
          if (!(e instanceof AwsError)) throw e;
          expect(e.httpStatus).toBeLessThan(500);
        } finally {
          f.store.close();
        }
        expect(Object.keys(Object.prototype)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
