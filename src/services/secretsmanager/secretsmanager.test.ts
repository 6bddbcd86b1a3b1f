import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { fixedClock } from '../../common/clock.js';
import { callContext, errorOf, testRandom } from '../../iam/testing.js';
import type { AuthorizeRequest } from '../../server/aws/authorize.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { secretsManagerOperations } from './operations.js';
import { secretRef } from './secrets.js';

const ACCT = '123456789012';
const TOKEN_A = 'a'.repeat(32);
const TOKEN_B = 'b'.repeat(32);

let store: SqliteStore;
let clock: ReturnType<typeof fixedClock>;
let ops: ReturnType<typeof secretsManagerOperations>;
let calls: AuthorizeRequest[];
let deny: (r: AuthorizeRequest) => boolean;

const call = (op: string, input: Record<string, unknown>) => {
  const f = ops[op];
  if (!f) throw new TypeError(op);
  return f(callContext(), input);
};

beforeEach(() => {
  store = new SqliteStore(':memory:');
  clock = fixedClock('2026-11-22T12:00:00Z');
  calls = [];
  deny = () => false;
  ops = secretsManagerOperations({
    store,
    clock,
    random: testRandom(),
    serverKey: new Uint8Array(32).fill(7),
    authorize: async (_ctx, req) => {
      calls.push(req);
      if (deny(req))
        throw new AwsError(
          req.deniedCode?.code ?? 'AccessDenied',
          req.deniedCode?.status ?? 403,
          `denied ${req.action} on ${req.resource}`,
        );
    },
  });
});

afterEach(() => store.close());

describe('secret ids', () => {
  it('reads names, full ARNs and partial ARNs', () => {
    expect(secretRef('db', 'us-east-1', ACCT).names).toEqual(['db']);
    const full = secretRef(
      `arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf`,
      'us-east-1',
      ACCT,
    );
    expect([full.region, full.account, full.names, full.fullArn !== undefined]).toEqual([
      'eu-west-1',
      '111122223333',
      ['prod/db', 'prod/db-AbCdEf'],
      true,
    ]);
    expect(
      secretRef(`arn:aws:secretsmanager:us-east-1:${ACCT}:secret:db`, 'us-east-1', ACCT).names,
    ).toEqual(['db']);
  });
});

describe('values and versions', () => {
  it('creates with a suffixed ARN and reads by name, full ARN and partial ARN', async () => {
    const c = await call('CreateSecret', {
      Name: 'prod/db',
      SecretString: 'pw1',
      ClientRequestToken: TOKEN_A,
    });
    expect(c.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:prod\/db-[A-Za-z0-9]{6}$/,
    );
    expect(c.VersionId).toBe(TOKEN_A);
    for (const id of [
      'prod/db',
      c.ARN,
      `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:prod/db`,
    ]) {
      const g = await call('GetSecretValue', { SecretId: id });
      expect(g).toEqual({
        ARN: c.ARN,
        Name: 'prod/db',
        VersionId: TOKEN_A,
        SecretString: 'pw1',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.parse('2026-11-22T12:00:00Z') / 1000,
      });
    }
    const wrong = `${(c.ARN as string).slice(0, -6)}zzzzzz`;
    expect(await errorOf(call('GetSecretValue', { SecretId: wrong }))).toEqual({
      code: 'ResourceNotFoundException',
      status: 400,
      message: "Secrets Manager can't find the specified secret.",
    });
  });

  it('keeps values sealed in the store', async () => {
    await call('CreateSecret', { Name: 'x', SecretString: 'super-secret-value' });
    await call('CreateSecret', {
      Name: 'y',
      SecretBinary: Buffer.from('binary-secret').toString('base64'),
    });
    const rows = JSON.stringify(await store.list('secretsmanager-secrets'));
    expect(rows).not.toContain('super-secret-value');
    expect(rows).not.toContain(Buffer.from('binary-secret').toString('base64'));
    expect((await call('GetSecretValue', { SecretId: 'y' })).SecretBinary).toBe(
      Buffer.from('binary-secret').toString('base64'),
    );
  });

  it('moves AWSCURRENT and AWSPREVIOUS on PutSecretValue, idempotent per token', async () => {
    await call('CreateSecret', { Name: 's', SecretString: 'v1', ClientRequestToken: TOKEN_A });
    clock.advance(10);
    const p = await call('PutSecretValue', {
      SecretId: 's',
      SecretString: 'v2',
      ClientRequestToken: TOKEN_B,
    });
    expect(p.VersionStages).toEqual(['AWSCURRENT']);
    expect(
      await call('PutSecretValue', {
        SecretId: 's',
        SecretString: 'v2',
        ClientRequestToken: TOKEN_B,
      }),
    ).toEqual(p);
    expect(
      await errorOf(
        call('PutSecretValue', {
          SecretId: 's',
          SecretString: 'other',
          ClientRequestToken: TOKEN_B,
        }),
      ),
    ).toEqual({
      code: 'ResourceExistsException',
      status: 400,
      message: "You can't modify an existing version, you can only create a new version.",
    });
    expect(
      (await call('GetSecretValue', { SecretId: 's', VersionStage: 'AWSPREVIOUS' })).SecretString,
    ).toBe('v1');
    expect(
      (await call('GetSecretValue', { SecretId: 's', VersionId: TOKEN_A })).VersionStages,
    ).toEqual(['AWSPREVIOUS']);
    const stages = await errorOf(
      call('PutSecretValue', {
        SecretId: 's',
        SecretString: 'x',
        VersionStages: Array.from({ length: 21 }, (_, i) => `s${i}`),
      }),
    );
    expect([stages.code, stages.message]).toEqual([
      'ValidationException',
      "1 validation error detected: Value at 'versionStages' failed to satisfy constraint: Member must have length less than or equal to 20",
    ]);
    // each label 1 to 256 characters (the model's SecretVersionStageType); nothing is written
    for (const label of ['', 'S'.repeat(257)]) {
      const bad = await errorOf(
        call('PutSecretValue', { SecretId: 's', SecretString: 'x', VersionStages: [label] }),
      );
      expect([bad.code, bad.message]).toEqual([
        'ValidationException',
        `1 validation error detected: Value at 'versionStages' failed to satisfy constraint: Member must satisfy constraint: [Member must have length ${label === '' ? 'greater than or equal to 1' : 'less than or equal to 256'}]`,
      ]);
    }
    expect(
      (await errorOf(call('GetSecretValue', { SecretId: 's', VersionStage: 'S'.repeat(257) })))
        .message,
    ).toBe(
      "1 validation error detected: Value at 'versionStage' failed to satisfy constraint: Member must have length less than or equal to 256",
    );
    const third = await call('PutSecretValue', { SecretId: 's', SecretString: 'v3' });
    const d = await call('DescribeSecret', { SecretId: 's' });
    expect(d.VersionIdsToStages).toEqual({
      [TOKEN_B]: ['AWSPREVIOUS'],
      [third.VersionId as string]: ['AWSCURRENT'],
    });
    expect(
      await errorOf(
        call('GetSecretValue', { SecretId: 's', VersionId: TOKEN_A, VersionStage: 'AWSCURRENT' }),
      ),
    ).toEqual({
      code: 'InvalidRequestException',
      status: 400,
      message: 'You provided a VersionStage that is not associated to the provided VersionId.',
    });
    expect(
      (await errorOf(call('GetSecretValue', { SecretId: 's', VersionStage: 'NOPE' }))).message,
    ).toBe("Secrets Manager can't find the specified secret value for staging label: NOPE");
  });

  it('CreateSecret: retries with the same token succeed, other creates conflict', async () => {
    const c = await call('CreateSecret', {
      Name: 's',
      SecretString: 'v',
      ClientRequestToken: TOKEN_A,
    });
    expect(
      await call('CreateSecret', { Name: 's', SecretString: 'v', ClientRequestToken: TOKEN_A }),
    ).toEqual(c);
    expect(
      await errorOf(
        call('CreateSecret', { Name: 's', SecretString: 'v', ClientRequestToken: TOKEN_B }),
      ),
    ).toEqual({
      code: 'ResourceExistsException',
      status: 400,
      message: 'The operation failed because the secret s already exists.',
    });
  });

  it.each([
    [
      { Name: 'bad name!' },
      'InvalidParameterException',
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    ],
    [
      { Name: 'x', SecretString: 'a', SecretBinary: 'YQ==' },
      'InvalidParameterException',
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    ],
    [
      { Name: 'x', SecretBinary: '!!!' },
      'SerializationException',
      'SecretBinary is not valid base64',
    ],
    [
      { Name: 'x', SecretString: 'a', ClientRequestToken: 'short' },
      'ValidationException',
      "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32",
    ],
    [
      { SecretString: 'a' },
      'ValidationException',
      "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must not be null",
    ],
  ])('refuses %j', async (input, code, message) => {
    expect(await errorOf(call('CreateSecret', input))).toEqual({ code, status: 400, message });
    expect(await store.list('secretsmanager-secrets')).toEqual([]);
  });

  it('notes CreateSecret’s parameters and ARN for the audit, refused or not', async () => {
    const ctx = callContext();
    const create = ops.CreateSecret as NonNullable<typeof ops.CreateSecret>;
    await errorOf(create(ctx, { Name: 'db', SecretString: 'x', ClientRequestToken: 'short' }));
    expect(ctx.audit.requestParameters).toEqual({ name: 'db', clientRequestToken: 'short' });
    expect(ctx.audit.resources?.[0]?.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:db-[A-Za-z0-9]{6}$/,
    );
  });

  it('checks VersionId as the model does and reads versions by own id only', async () => {
    await call('CreateSecret', { Name: 's', SecretString: 'v1', ClientRequestToken: TOKEN_A });
    for (const [id, constraint] of [
      ['constructor', 'Member must have length greater than or equal to 32'],
      ['toString', 'Member must have length greater than or equal to 32'],
      ['__proto__', 'Member must have length greater than or equal to 32'],
      ['x'.repeat(65), 'Member must have length less than or equal to 64'],
    ] as const)
      expect(await errorOf(call('GetSecretValue', { SecretId: 's', VersionId: id }))).toEqual({
        code: 'ValidationException',
        status: 400,
        message: `1 validation error detected: Value at 'versionId' failed to satisfy constraint: ${constraint}`,
      });
    expect(await errorOf(call('GetSecretValue', { SecretId: 's', VersionId: TOKEN_B }))).toEqual({
      code: 'ResourceNotFoundException',
      status: 400,
      message: `Secrets Manager can't find the specified secret value for VersionId: ${TOKEN_B}`,
    });
    expect(await call('GetSecretValue', { SecretId: 's', VersionId: TOKEN_A })).toMatchObject({
      VersionId: TOKEN_A,
      SecretString: 'v1',
    });
  });

  it('a secret without a value has no AWSCURRENT to read', async () => {
    const c = await call('CreateSecret', { Name: 'empty' });
    expect(c).not.toHaveProperty('VersionId');
    expect((await errorOf(call('GetSecretValue', { SecretId: 'empty' }))).message).toBe(
      "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    );
  });
});

describe('deletion', () => {
  it('schedules, refuses reads, restores, and is gone after the window', async () => {
    await call('CreateSecret', { Name: 's', SecretString: 'v' });
    const d = await call('DeleteSecret', { SecretId: 's', RecoveryWindowInDays: 7 });
    expect(d.DeletionDate).toBe(Date.parse('2026-11-29T12:00:00Z') / 1000);
    expect(await errorOf(call('GetSecretValue', { SecretId: 's' }))).toEqual({
      code: 'InvalidRequestException',
      status: 400,
      message: "You can't perform this operation on the secret because it was marked for deletion.",
    });
    expect((await call('DescribeSecret', { SecretId: 's' })).DeletedDate).toBe(
      Date.parse('2026-11-22T12:00:00Z') / 1000,
    );
    expect((await call('ListSecrets', {})).SecretList).toEqual([]);
    expect(
      ((await call('ListSecrets', { IncludePlannedDeletion: true })).SecretList as unknown[])
        .length,
    ).toBe(1);
    expect((await errorOf(call('CreateSecret', { Name: 's', SecretString: 'n' }))).code).toBe(
      'InvalidRequestException',
    );
    await call('RestoreSecret', { SecretId: 's' });
    expect((await call('GetSecretValue', { SecretId: 's' })).SecretString).toBe('v');
    await call('DeleteSecret', { SecretId: 's', RecoveryWindowInDays: 7 });
    clock.advance(7 * 86400);
    expect((await errorOf(call('DescribeSecret', { SecretId: 's' }))).code).toBe(
      'ResourceNotFoundException',
    );
    const again = await call('CreateSecret', { Name: 's', SecretString: 'new' });
    expect((await call('GetSecretValue', { SecretId: again.ARN })).SecretString).toBe('new');
  });

  it.each([
    [
      { RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true },
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    ],
    [
      { RecoveryWindowInDays: 6 },
      'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
    ],
  ])('refuses %j', async (input, message) => {
    await call('CreateSecret', { Name: 's', SecretString: 'v' });
    expect(await errorOf(call('DeleteSecret', { SecretId: 's', ...input }))).toEqual({
      code: 'InvalidParameterException',
      status: 400,
      message,
    });
  });

  it('force-deletes at once', async () => {
    await call('CreateSecret', { Name: 's', SecretString: 'v' });
    await call('DeleteSecret', { SecretId: 's', ForceDeleteWithoutRecovery: true });
    expect(await store.list('secretsmanager-secrets')).toEqual([]);
  });
});

describe('policies, tags and authorization', () => {
  it('validates resource policies and blocks public ones when asked', async () => {
    await call('CreateSecret', { Name: 's', SecretString: 'v' });
    expect(
      (await errorOf(call('PutResourcePolicy', { SecretId: 's', ResourcePolicy: '{nope' }))).code,
    ).toBe('MalformedPolicyDocumentException');
    const pub = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' },
      ],
    });
    expect(
      await errorOf(
        call('PutResourcePolicy', { SecretId: 's', ResourcePolicy: pub, BlockPublicPolicy: true }),
      ),
    ).toEqual({
      code: 'PublicPolicyException',
      status: 400,
      message: 'This resource policy contains a statement that grants public access.',
    });
    await call('PutResourcePolicy', { SecretId: 's', ResourcePolicy: pub });
    expect((await call('GetResourcePolicy', { SecretId: 's' })).ResourcePolicy).toBe(pub);
    await call('GetSecretValue', { SecretId: 's' });
    expect(calls.at(-1)?.resourcePolicy).toBeDefined();
    await call('DeleteResourcePolicy', { SecretId: 's' });
    expect(await call('GetResourcePolicy', { SecretId: 's' })).not.toHaveProperty('ResourcePolicy');
  });

  it('passes the secret’s tags and id as condition keys, and refuses before revealing existence', async () => {
    const c = await call('CreateSecret', {
      Name: 's',
      SecretString: 'v',
      Tags: [{ Key: 'team', Value: 'red' }],
    });
    expect(calls.map((x) => x.action)).toEqual([
      'secretsmanager:CreateSecret',
      'secretsmanager:TagResource',
    ]);
    expect(calls[0]?.context).toMatchObject({
      'secretsmanager:Name': 's',
      'aws:RequestTag/team': 'red',
      'aws:TagKeys': ['team'],
    });
    await call('GetSecretValue', { SecretId: 's' });
    expect(calls.at(-1)).toMatchObject({
      action: 'secretsmanager:GetSecretValue',
      resource: c.ARN,
      context: {
        'aws:ResourceTag/team': 'red',
        'secretsmanager:ResourceTag/team': 'red',
        'secretsmanager:SecretId': c.ARN,
        'secretsmanager:VersionStage': 'AWSCURRENT',
      },
      deniedCode: { code: 'AccessDeniedException', status: 400 },
    });
    deny = () => true;
    expect(await errorOf(call('GetSecretValue', { SecretId: 'missing' }))).toEqual({
      code: 'AccessDeniedException',
      status: 400,
      message: `denied secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:${ACCT}:secret:missing`,
    });
  });

  it('filters by description and by all in words, not case-sensitive; by name case-sensitively', async () => {
    await call('CreateSecret', {
      Name: 'prod/api',
      SecretString: 'x',
      Description: 'Production API key',
      Tags: [{ Key: 'env', Value: 'prod' }],
    });
    await call('CreateSecret', { Name: 'app/db', SecretString: 'y' });
    const names = async (key: string, value: string) =>
      (
        (await call('ListSecrets', { Filters: [{ Key: key, Values: [value] }] })).SecretList as {
          Name: string;
        }[]
      )
        .map((s) => s.Name)
        .sort();
    expect(await names('description', 'production')).toEqual(['prod/api']);
    expect(await names('description', 'key')).toEqual(['prod/api']);
    expect(await names('description', 'api production')).toEqual(['prod/api']);
    expect(await names('description', 'keys')).toEqual([]);
    expect(await names('description', '!key')).toEqual(['app/db']);
    expect(await names('all', 'API')).toEqual(['prod/api']);
    expect(await names('all', 'db')).toEqual(['app/db']);
    expect(await names('all', 'PROD')).toEqual(['prod/api']);
    expect(await names('name', 'Prod')).toEqual([]);
    expect(await names('name', 'prod')).toEqual(['prod/api']);
  });

  it('lists with filters and pages', async () => {
    for (const [i, n] of ['app/a', 'app/b', 'db/c'].entries()) {
      clock.advance(i);
      await call('CreateSecret', {
        Name: n,
        SecretString: 'v',
        Tags: [{ Key: 'env', Value: n.startsWith('app') ? 'prod' : 'dev' }],
      });
    }
    const names = async (input: Record<string, unknown>) =>
      ((await call('ListSecrets', input)).SecretList as { Name: string }[]).map((s) => s.Name);
    expect(await names({ Filters: [{ Key: 'name', Values: ['app/'] }], SortOrder: 'asc' })).toEqual(
      ['app/a', 'app/b'],
    );
    expect(await names({ Filters: [{ Key: 'tag-value', Values: ['!prod'] }] })).toEqual(['db/c']);
    const p1 = await call('ListSecrets', { MaxResults: 2, SortOrder: 'asc' });
    expect((p1.SecretList as unknown[]).length).toBe(2);
    const p2 = await call('ListSecrets', {
      MaxResults: 2,
      SortOrder: 'asc',
      NextToken: p1.NextToken,
    });
    expect((p2.SecretList as { Name: string }[]).map((s) => s.Name)).toEqual(['db/c']);
    expect(p2).not.toHaveProperty('NextToken');
    // SortBy: by name, descending by default
    expect(await names({ SortBy: 'name' })).toEqual(['db/c', 'app/b', 'app/a']);
    expect(await names({ SortBy: 'name', SortOrder: 'asc' })).toEqual(['app/a', 'app/b', 'db/c']);
    // filter bounds, named by the filter's position
    const tooMany = await errorOf(
      call('ListSecrets', {
        Filters: [
          { Key: 'name', Values: ['a'] },
          { Key: 'name', Values: Array.from({ length: 11 }, (_, i) => `v${i}`) },
        ],
      }),
    );
    expect(tooMany.message).toContain("at 'filters.2.member.values' failed to satisfy constraint");
    const pattern = await errorOf(
      call('ListSecrets', { Filters: [{ Key: 'name', Values: ['a*b'] }] }),
    );
    expect(pattern.code).toBe('ValidationException');
    const badKey = await errorOf(
      call('ListSecrets', {
        Filters: [
          { Key: 'name', Values: ['a'] },
          { Key: 'nope', Values: ['a'] },
        ],
      }),
    );
    expect(badKey.message).toContain("at 'filters.2.member.key'");
    const bad = await errorOf(call('ListSecrets', { SortBy: 'bogus' }));
    expect([bad.code, bad.message]).toEqual([
      'ValidationException',
      "1 validation error detected: Value 'bogus' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [created-date, last-accessed-date, last-changed-date, name]",
    ]);
  });
});

describe('audit notes', () => {
  /** The responseElements a call leaves in its notes. */
  const elements = async (op: string, input: Record<string, unknown>) => {
    const ctx = callContext();
    const f = ops[op];
    if (!f) throw new TypeError(op);
    await f(ctx, input);
    return ctx.audit.responseElements;
  };

  it('name the secret "arn" in responseElements, as Secrets Manager has since February 2024', async () => {
    const created = await elements('CreateSecret', { Name: 's', SecretString: 'v1' });
    const arn = (created as { arn: string }).arn;
    expect(arn).toMatch(/:secret:s-/);
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCT}:root` },
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
        },
      ],
    });
    const each = [
      await elements('PutSecretValue', { SecretId: 's', SecretString: 'v2' }),
      await elements('PutResourcePolicy', { SecretId: 's', ResourcePolicy: policy }),
      await elements('DeleteResourcePolicy', { SecretId: 's' }),
      await elements('DeleteSecret', { SecretId: 's' }),
      await elements('RestoreSecret', { SecretId: 's' }),
      await elements('DeleteSecret', { SecretId: 's', ForceDeleteWithoutRecovery: true }),
    ];
    for (const e of [created, ...each]) {
      expect(e).toMatchObject({ arn, name: 's' });
      expect(e).not.toHaveProperty('aRN');
    }
  });
});

describe('LastAccessedDate', () => {
  it('is per version in ListSecretVersionIds (the day it was read), per secret in DescribeSecret', async () => {
    await call('CreateSecret', { Name: 's', SecretString: 'v1', ClientRequestToken: TOKEN_A });
    await call('PutSecretValue', {
      SecretId: 's',
      SecretString: 'v2',
      ClientRequestToken: TOKEN_B,
    });
    clock.advance(86_400);
    await call('GetSecretValue', { SecretId: 's', VersionStage: 'AWSPREVIOUS' });
    const day = Date.parse('2026-11-23T00:00:00Z') / 1000;
    const dated = async () =>
      Object.fromEntries(
        (
          (await call('ListSecretVersionIds', { SecretId: 's' })).Versions as {
            VersionId: string;
            LastAccessedDate?: number;
          }[]
        ).map((v) => [v.VersionId, v.LastAccessedDate]),
      );
    expect(await dated()).toEqual({ [TOKEN_A]: day, [TOKEN_B]: undefined });
    expect((await call('DescribeSecret', { SecretId: 's' })).LastAccessedDate).toBe(day);
    // the current version read a day later: both dated, each its own day
    clock.advance(86_400);
    await call('GetSecretValue', { SecretId: 's' });
    expect(await dated()).toEqual({ [TOKEN_A]: day, [TOKEN_B]: day + 86_400 });
    expect((await call('DescribeSecret', { SecretId: 's' })).LastAccessedDate).toBe(day + 86_400);
  });
});

describe('refusals', () => {
  it('name the SecretId as the caller sent it; the policies still see the ARN', async () => {
    const { ARN: arn } = (await call('CreateSecret', { Name: 'app/db', SecretString: 'v' })) as {
      ARN: string;
    };
    deny = (r) => r.action === 'secretsmanager:GetSecretValue';
    const standard = (resource: string) =>
      `User: arn:aws:iam::${ACCT}:user/u is not authorized to perform: secretsmanager:GetSecretValue on resource: ${resource} because no identity-based policy allows the secretsmanager:GetSecretValue action`;
    const cases: [string, string][] = [
      ['app/db', 'app/db'],
      [
        `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:app/db`,
        `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:app/db`,
      ],
      [arn, arn],
      ['nope', 'nope'],
    ];
    for (const [id, shown] of cases) {
      calls.length = 0;
      await errorOf(call('GetSecretValue', { SecretId: id }));
      const asked = calls.at(-1);
      expect(asked?.resource, id).toBe(
        id === 'nope' ? `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:nope` : arn,
      );
      const message =
        asked?.deniedMessage?.({ decision: 'implicitDeny', standard: standard(asked.resource) }) ??
        standard(asked?.resource ?? '');
      expect(message, id).toBe(standard(shown));
    }
  });
});
