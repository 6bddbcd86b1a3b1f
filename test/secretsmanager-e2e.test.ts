/**
 * Secrets Manager end to end with the real clients against `irsa up`: the AWS CLI, boto3 and
 * @aws-sdk/client-secrets-manager, each with a role session that is allowed, and the refusals
 * with AWS's exact errors (identity policy, the secret's resource policy, aws:ResourceTag and
 * secretsmanager:ResourceTag, cross-account access that needs both sides), garbage bodies and
 * unknown targets.
 */
import {
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, type Creds, type Harness, allow, startHarness } from './support/harness.js';

const OTHER = '111122223333';
let h: Harness;
let full: Creds;
let none: Creds;
let tagged: Creds;
let foreign: Creds;
let foreignNoIdentity: Creds;

beforeAll(async () => {
  h = await startHarness();
  await h.createAccount(OTHER);
  full = await h.roleSession({ roleName: 'sm-full', policies: [allow('secretsmanager:*')] });
  none = await h.roleSession({ roleName: 'sm-none', policies: [allow('s3:GetObject')] });
  tagged = await h.roleSession({
    roleName: 'sm-team-red',
    policies: [
      allow('secretsmanager:GetSecretValue', '*', {
        Condition: { StringEquals: { 'secretsmanager:ResourceTag/team': 'red' } },
      }),
      allow('secretsmanager:DescribeSecret', '*', {
        Condition: { StringEquals: { 'aws:ResourceTag/team': 'red' } },
      }),
    ],
  });
  foreign = await h.roleSession({
    roleName: 'reader',
    account: OTHER,
    policies: [
      allow(
        ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:*`,
      ),
    ],
  });
  foreignNoIdentity = await h.roleSession({
    roleName: 'reader-bare',
    account: OTHER,
    policies: [allow('s3:GetObject')],
  });
}, 120_000);

afterAll(() => h?.close());

const cli = (args: string[], creds: Creds) =>
  h.aws(['secretsmanager', ...args, '--output', 'json'], creds);
const sm = (creds: Creds) => new SecretsManagerClient(h.sdk(creds));
const SECRET_ARN = (name: string, account = ACCOUNT) =>
  `arn:aws:secretsmanager:us-east-1:${account}:secret:${name}-[A-Za-z0-9]{6}`;
const deniedRe = (
  who: string,
  action: string,
  resource: string,
  reason?: string,
  account = ACCOUNT,
) =>
  new RegExp(
    `^User: arn:aws:sts::${account}:assumed-role/${who}/${who}-session is not authorized to perform: secretsmanager:${action}${resource === '' ? '' : ` on resource: ${resource}`} ${reason ?? `because no identity-based policy allows the secretsmanager:${action} action`}$`,
  );

async function rejection(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & Record<string, unknown>;
    return {
      name: err.name,
      message: err.message,
      status: (err.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode,
    };
  }
  throw new Error('expected a rejection');
}

describe('Secrets Manager with the AWS CLI', () => {
  it('creates, reads, rotates a value and lists', async () => {
    const c = await cli(['create-secret', '--name', 'prod/db', '--secret-string', 'v1'], full);
    expect(c.stderr).toBe('');
    const created = JSON.parse(c.stdout);
    expect(created.ARN).toMatch(new RegExp(`^${SECRET_ARN('prod/db')}$`));
    const g = await cli(['get-secret-value', '--secret-id', 'prod/db'], full);
    expect(g.stderr).toBe('');
    expect(JSON.parse(g.stdout)).toMatchObject({
      SecretString: 'v1',
      VersionStages: ['AWSCURRENT'],
      ARN: created.ARN,
    });
    const p = await cli(
      ['put-secret-value', '--secret-id', created.ARN, '--secret-string', 'v2'],
      full,
    );
    expect(p.stderr).toBe('');
    const prev = await cli(
      ['get-secret-value', '--secret-id', 'prod/db', '--version-stage', 'AWSPREVIOUS'],
      full,
    );
    expect(JSON.parse(prev.stdout).SecretString).toBe('v1');
    const partial = await cli(
      [
        'get-secret-value',
        '--secret-id',
        `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/db`,
      ],
      full,
    );
    expect(JSON.parse(partial.stdout).SecretString).toBe('v2');
    const l = await cli(['list-secrets'], full);
    expect(JSON.parse(l.stdout).SecretList.map((s: { Name: string }) => s.Name)).toContain(
      'prod/db',
    );
  });

  it('refuses a role without permissions with AccessDeniedException', async () => {
    const r = await cli(['get-secret-value', '--secret-id', 'prod/db'], none);
    expect(r.code).not.toBe(0);
    const prefix =
      'An error occurred (AccessDeniedException) when calling the GetSecretValue operation: ';
    expect(r.stderr.trim().startsWith(prefix)).toBe(true);
    expect(r.stderr.trim().slice(prefix.length)).toMatch(
      // the SecretId as sent, as AWS names it (the policies still see the ARN)
      deniedRe('sm-none', 'GetSecretValue', 'prod/db'),
    );
  });

  it('answers missing secrets, invalid names and deleted secrets in AWS’s words', async () => {
    const missing = await cli(['get-secret-value', '--secret-id', 'nope'], full);
    expect(missing.stderr.trim()).toBe(
      "An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret.",
    );
    const bad = await cli(['create-secret', '--name', 'bad name', '--secret-string', 'x'], full);
    expect(bad.stderr.trim()).toBe(
      'An error occurred (InvalidParameterException) when calling the CreateSecret operation: Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
    await cli(['create-secret', '--name', 'doomed', '--secret-string', 'x'], full);
    const del = await cli(
      ['delete-secret', '--secret-id', 'doomed', '--recovery-window-in-days', '7'],
      full,
    );
    expect(JSON.parse(del.stdout).DeletionDate).toBeTruthy();
    const read = await cli(['get-secret-value', '--secret-id', 'doomed'], full);
    expect(read.stderr.trim()).toBe(
      "An error occurred (InvalidRequestException) when calling the GetSecretValue operation: You can't perform this operation on the secret because it was marked for deletion.",
    );
  });
});

/** Every operation through boto3; the bare role's errors first, then the permitted role's results. */
const BOTO_ALL = `
import boto3, json, os
from botocore.exceptions import ClientError
mode = os.environ['MODE']
c = boto3.client('secretsmanager')
out = {}
def run(name, fn):
    try:
        r = fn()
        r.pop('ResponseMetadata', None)
        out[name] = r
    except ClientError as e:
        out[name] = {'Error': e.response['Error'], 'Status': e.response['ResponseMetadata']['HTTPStatusCode']}
policy = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::${ACCOUNT}:root'}, 'Action': 'secretsmanager:GetSecretValue', 'Resource': '*'}]})
run('CreateSecret', lambda: c.create_secret(Name='boto/s' if mode == 'full' else 'boto/other', SecretString='one', Tags=[{'Key': 'team', 'Value': 'blue'}]))
run('GetSecretValue', lambda: c.get_secret_value(SecretId='boto/s'))
run('PutSecretValue', lambda: c.put_secret_value(SecretId='boto/s', SecretBinary=b'\\x00two'))
run('DescribeSecret', lambda: c.describe_secret(SecretId='boto/s'))
run('ListSecrets', lambda: c.list_secrets(Filters=[{'Key': 'name', 'Values': ['boto/']}]))
run('TagResource', lambda: c.tag_resource(SecretId='boto/s', Tags=[{'Key': 'env', 'Value': 'dev'}]))
run('UntagResource', lambda: c.untag_resource(SecretId='boto/s', TagKeys=['env']))
run('PutResourcePolicy', lambda: c.put_resource_policy(SecretId='boto/s', ResourcePolicy=policy))
run('GetResourcePolicy', lambda: c.get_resource_policy(SecretId='boto/s'))
run('DeleteResourcePolicy', lambda: c.delete_resource_policy(SecretId='boto/s'))
run('DeleteSecret', lambda: c.delete_secret(SecretId='boto/s', RecoveryWindowInDays=7))
run('RestoreSecret', lambda: c.restore_secret(SecretId='boto/s'))
if mode == 'full':
    run('GetSecretValueBinary', lambda: c.get_secret_value(SecretId='boto/s'))
    run('ForceDelete', lambda: c.delete_secret(SecretId='boto/s', ForceDeleteWithoutRecovery=True))
    run('Gone', lambda: c.describe_secret(SecretId='boto/s'))
def plain(o):
    if isinstance(o, bytes): return {'bytes': list(o)}
    if hasattr(o, 'isoformat'): return o.isoformat()
    return str(o)
print(json.dumps(out, default=plain))
`;

describe('Secrets Manager with boto3: every operation, allowed and refused', () => {
  let refused: Record<string, { Error: { Code: string; Message: string }; Status: number }>;
  /** the permitted role's results, as boto3 printed them */
  let allowed = '';

  // both roles' runs, once: the bare role against an existing secret, then the permitted role
  beforeAll(async () => {
    await h.python(
      `import boto3\nboto3.client('secretsmanager').create_secret(Name='boto/s', SecretString='seed')`,
      full,
    );
    const r0 = await h.python(BOTO_ALL, none, { MODE: 'none' });
    expect(r0.stderr).toBe('');
    refused = JSON.parse(r0.stdout);
    await h.python(
      `import boto3\nboto3.client('secretsmanager').delete_secret(SecretId='boto/s', ForceDeleteWithoutRecovery=True)`,
      full,
    );
    const r = await h.python(BOTO_ALL, full, { MODE: 'full' });
    expect(r.stderr).toBe('');
    allowed = r.stdout;
  }, 120_000);

  it('a role with secretsmanager:* can call each operation', () => {
    const out = JSON.parse(allowed);
    const arnRe = new RegExp(`^${SECRET_ARN('boto/s')}$`);
    expect(out.CreateSecret.ARN).toMatch(arnRe);
    expect(out.GetSecretValue).toMatchObject({
      Name: 'boto/s',
      SecretString: 'one',
      VersionStages: ['AWSCURRENT'],
    });
    expect(out.PutSecretValue.VersionStages).toEqual(['AWSCURRENT']);
    expect(out.DescribeSecret).toMatchObject({
      Name: 'boto/s',
      Tags: [{ Key: 'team', Value: 'blue' }],
    });
    expect(Object.values(out.DescribeSecret.VersionIdsToStages).sort()).toEqual([
      ['AWSCURRENT'],
      ['AWSPREVIOUS'],
    ]);
    expect(out.ListSecrets.SecretList.map((s: { Name: string }) => s.Name)).toEqual(['boto/s']);
    expect(out.TagResource).toEqual({});
    expect(out.UntagResource).toEqual({});
    expect(out.PutResourcePolicy).toEqual({ ARN: out.CreateSecret.ARN, Name: 'boto/s' });
    expect(JSON.parse(out.GetResourcePolicy.ResourcePolicy).Statement[0].Action).toBe(
      'secretsmanager:GetSecretValue',
    );
    expect(out.DeleteResourcePolicy).toEqual({ ARN: out.CreateSecret.ARN, Name: 'boto/s' });
    expect(out.DeleteSecret.DeletionDate).toBeTruthy();
    expect(out.RestoreSecret).toEqual({ ARN: out.CreateSecret.ARN, Name: 'boto/s' });
    expect(out.GetSecretValueBinary.SecretBinary).toEqual({ bytes: [0, 116, 119, 111] });
    expect(out.Gone.Error).toEqual({
      Code: 'ResourceNotFoundException',
      Message: "Secrets Manager can't find the specified secret.",
    });
  });

  it('a role without permissions is refused each with AccessDeniedException in AWS’s words', () => {
    const ops = Object.keys(refused);
    expect(ops.length).toBe(12);
    for (const op of ops) {
      const resource =
        // ListSecrets has no resource, and AWS's text names none
        op === 'ListSecrets' ? '' : op === 'CreateSecret' ? SECRET_ARN('boto/other') : 'boto/s';
      expect(refused[op]?.Status, op).toBe(400);
      expect(refused[op]?.Error.Code, op).toBe('AccessDeniedException');
      expect(refused[op]?.Error.Message, op).toMatch(deniedRe('sm-none', op, resource));
    }
  });
});

describe('Secrets Manager with the JS SDK', () => {
  it('runs every operation for a permitted role', async () => {
    const c = sm(full);
    const created = await c.send(
      new CreateSecretCommand({ Name: 'js/s', SecretString: '{"user":"app","password":"pw"}' }),
    );
    expect(created.ARN).toMatch(new RegExp(`^${SECRET_ARN('js/s')}$`));
    const got = await c.send(new GetSecretValueCommand({ SecretId: 'js/s' }));
    expect(JSON.parse(got.SecretString ?? '{}')).toEqual({ user: 'app', password: 'pw' });
    expect(got.CreatedDate).toBeInstanceOf(Date);
    const put = await c.send(
      new PutSecretValueCommand({ SecretId: 'js/s', SecretBinary: new Uint8Array([9, 8, 7]) }),
    );
    expect((await c.send(new GetSecretValueCommand({ SecretId: 'js/s' }))).SecretBinary).toEqual(
      new Uint8Array([9, 8, 7]),
    );
    const d = await c.send(new DescribeSecretCommand({ SecretId: created.ARN }));
    expect(d.VersionIdsToStages?.[put.VersionId as string]).toEqual(['AWSCURRENT']);
    expect(d.CreatedDate).toBeInstanceOf(Date);
    expect(
      (
        await c.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['js/'] }] }))
      ).SecretList?.map((s) => s.Name),
    ).toEqual(['js/s']);
    await c.send(new TagResourceCommand({ SecretId: 'js/s', Tags: [{ Key: 'k', Value: 'v' }] }));
    await c.send(new UntagResourceCommand({ SecretId: 'js/s', TagKeys: ['k'] }));
    const policy = JSON.stringify(
      allow('secretsmanager:*', '*', { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }),
    );
    await c.send(new PutResourcePolicyCommand({ SecretId: 'js/s', ResourcePolicy: policy }));
    expect((await c.send(new GetResourcePolicyCommand({ SecretId: 'js/s' }))).ResourcePolicy).toBe(
      policy,
    );
    await c.send(new DeleteResourcePolicyCommand({ SecretId: 'js/s' }));
    const del = await c.send(new DeleteSecretCommand({ SecretId: 'js/s' }));
    expect(del.DeletionDate).toBeInstanceOf(Date);
    expect(await rejection(c.send(new GetSecretValueCommand({ SecretId: 'js/s' })))).toEqual({
      name: 'InvalidRequestException',
      message: "You can't perform this operation on the secret because it was marked for deletion.",
      status: 400,
    });
    await c.send(new RestoreSecretCommand({ SecretId: 'js/s' }));
    expect(
      await rejection(c.send(new CreateSecretCommand({ Name: 'js/s', SecretString: 'x' }))),
    ).toEqual({
      name: 'ResourceExistsException',
      message: 'The operation failed because the secret js/s already exists.',
      status: 400,
    });
  });

  it('refuses a role without permissions with AccessDeniedException', async () => {
    const c = sm(none);
    const r = await rejection(c.send(new DescribeSecretCommand({ SecretId: 'js/s' })));
    expect(r).toMatchObject({ name: 'AccessDeniedException', status: 400 });
    expect(r.message).toMatch(deniedRe('sm-none', 'DescribeSecret', 'js/s'));
    const l = await rejection(c.send(new ListSecretsCommand({})));
    expect(l.message).toMatch(deniedRe('sm-none', 'ListSecrets', ''));
  });
});

describe('Secrets Manager authorization beyond the identity policy', () => {
  it('a secret policy’s explicit deny refuses even a role with secretsmanager:*', async () => {
    const c = sm(full);
    await c.send(new CreateSecretCommand({ Name: 'locked', SecretString: 'x' }));
    await c.send(
      new PutResourcePolicyCommand({
        SecretId: 'locked',
        ResourcePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/sm-full` },
              Action: 'secretsmanager:GetSecretValue',
              Resource: '*',
            },
          ],
        }),
      }),
    );
    const r = await rejection(c.send(new GetSecretValueCommand({ SecretId: 'locked' })));
    expect(r).toMatchObject({ name: 'AccessDeniedException', status: 400 });
    expect(r.message).toMatch(
      deniedRe(
        'sm-full',
        'GetSecretValue',
        'locked',
        'with an explicit deny in a resource-based policy',
      ),
    );
    const bad = await rejection(
      c.send(
        new PutResourcePolicyCommand({ SecretId: 'locked', ResourcePolicy: '{"Statement": [' }),
      ),
    );
    expect(bad).toMatchObject({ name: 'MalformedPolicyDocumentException', status: 400 });
  });

  const shareWith = (account: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
          Resource: '*',
        },
      ],
    });

  it('cross-account reads need the secret policy and the caller’s identity policy', async () => {
    const owner = sm(full);
    // a customer managed key: the AWS managed one serves no other account (next test)
    const { ARN } = await owner.send(
      new CreateSecretCommand({
        Name: 'shared/key',
        SecretString: 'k',
        KmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      }),
    );
    const reader = sm(foreign);
    const denyText = (reason: string) =>
      deniedRe('reader', 'GetSecretValue', SECRET_ARN('shared/key'), reason, OTHER);
    const before = await rejection(reader.send(new GetSecretValueCommand({ SecretId: ARN })));
    expect(before.message).toMatch(
      denyText('because no resource-based policy allows the secretsmanager:GetSecretValue action'),
    );
    await owner.send(
      new PutResourcePolicyCommand({
        SecretId: ARN,
        ResourcePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
              Action: 'secretsmanager:GetSecretValue',
              Resource: '*',
            },
          ],
        }),
      }),
    );
    expect((await reader.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString).toBe(
      'k',
    );
    const bare = await rejection(
      sm(foreignNoIdentity).send(new GetSecretValueCommand({ SecretId: ARN })),
    );
    expect(bare).toMatchObject({ name: 'AccessDeniedException' });
    expect(bare.message).toContain('because no identity-based policy allows');
  });

  it('a secret under the AWS managed key is read or written by its own account only', async () => {
    const owner = sm(full);
    const managed = await owner.send(
      new CreateSecretCommand({ Name: 'shared/default', SecretString: 'd' }),
    );
    const alias = await owner.send(
      new CreateSecretCommand({
        Name: 'shared/alias',
        SecretString: 'a',
        KmsKeyId: 'alias/aws/secretsmanager',
      }),
    );
    const reader = sm(foreign);
    for (const { ARN } of [managed, alias]) {
      await owner.send(
        new PutResourcePolicyCommand({ SecretId: ARN, ResourcePolicy: shareWith(OTHER) }),
      );
      // one after the other: a call made before the first is awaited could fail unhandled
      for (const call of [
        () => reader.send(new GetSecretValueCommand({ SecretId: ARN })),
        () => reader.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: 'x' })),
      ])
        expect(await rejection(call())).toMatchObject({
          name: 'InvalidRequestException',
          status: 400,
          message:
            "You can't access a secret from a different AWS account if you encrypt the secret with the default KMS service key.",
        });
    }
    // the owner's account reads it as ever, and the refused write left no version behind
    const own = await owner.send(new GetSecretValueCommand({ SecretId: managed.ARN }));
    expect(own.SecretString).toBe('d');
  });

  it('secretsmanager:ResourceTag and aws:ResourceTag decide by the secret’s tags', async () => {
    const owner = sm(full);
    await owner.send(
      new CreateSecretCommand({
        Name: 'red',
        SecretString: 'r',
        Tags: [{ Key: 'team', Value: 'red' }],
      }),
    );
    await owner.send(
      new CreateSecretCommand({
        Name: 'blue',
        SecretString: 'b',
        Tags: [{ Key: 'team', Value: 'blue' }],
      }),
    );
    const c = sm(tagged);
    expect((await c.send(new GetSecretValueCommand({ SecretId: 'red' }))).SecretString).toBe('r');
    expect((await c.send(new DescribeSecretCommand({ SecretId: 'red' }))).Name).toBe('red');
    const r = await rejection(c.send(new GetSecretValueCommand({ SecretId: 'blue' })));
    expect(r.message).toMatch(deniedRe('sm-team-red', 'GetSecretValue', 'blue'));
    const d = await rejection(c.send(new DescribeSecretCommand({ SecretId: 'blue' })));
    expect(d.message).toMatch(deniedRe('sm-team-red', 'DescribeSecret', 'blue'));
  });
});

describe('Secrets Manager wire edge cases', () => {
  it('garbage JSON and unknown targets get JSON errors, never a 500', async () => {
    const c = sm(full);
    c.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { body: string; headers: Record<string, string> };
        const input = args.input as { SecretId?: string };
        if (input.SecretId === 'garbage') {
          req.body = '[1, 2';
          req.headers['content-length'] = String(req.body.length);
        }
        if (input.SecretId === 'unknown')
          req.headers['x-amz-target'] = 'secretsmanager.StealSecret';
        return next(args);
      },
      { step: 'build', name: 'tamper' },
    );
    expect(
      await rejection(c.send(new GetSecretValueCommand({ SecretId: 'garbage' }))),
    ).toMatchObject({
      name: 'SerializationException',
      status: 400,
    });
    expect(
      await rejection(c.send(new GetSecretValueCommand({ SecretId: 'unknown' }))),
    ).toMatchObject({
      name: 'UnknownOperationException',
      status: 400,
    });
  });

  it('a VersionId that is an Object.prototype name is a ValidationException, never a 500', async () => {
    const c = sm(full);
    await c.send(new CreateSecretCommand({ Name: 'versioned', SecretString: 'v' }));
    for (const VersionId of ['constructor', 'toString', '__proto__'])
      expect(
        await rejection(c.send(new GetSecretValueCommand({ SecretId: 'versioned', VersionId }))),
        VersionId,
      ).toEqual({
        name: 'ValidationException',
        message:
          "1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member must have length greater than or equal to 32",
        status: 400,
      });
  });
});

describe('BatchGetSecretValue, ListSecretVersionIds, and what changes a secret', () => {
  const py = async (code: string, creds: Creds) => {
    const r = await h.python(
      `import boto3, botocore, json\nfrom botocore.config import Config\nsm = boto3.client('secretsmanager')\nraw = boto3.client('secretsmanager', config=Config(parameter_validation=False))\ndef err(f):\n    try:\n        f()\n        return 'ok'\n    except botocore.exceptions.ClientError as e:\n        return e.response['Error']['Code'] + ': ' + e.response['Error']['Message']\n${code}`,
      creds,
    );
    expect(r.stderr).toBe('');
    return r.stdout.trim().split('\n');
  };

  it('reads several secrets at once; a secret the caller may not read is an Errors entry', async () => {
    const reader = await h.roleSession({
      roleName: 'sm-batch',
      policies: [
        allow('secretsmanager:BatchGetSecretValue'),
        allow(
          'secretsmanager:GetSecretValue',
          `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:batch/open-*`,
        ),
      ],
    });
    await py(
      "sm.create_secret(Name='batch/open-1', SecretString='one')\nsm.create_secret(Name='batch/open-2', SecretString='two')\nsm.create_secret(Name='batch/closed', SecretString='no')",
      full,
    );
    const out = await py(
      "r = sm.batch_get_secret_value(SecretIdList=['batch/open-1', 'batch/open-2', 'batch/closed', 'batch/none'])\nprint(json.dumps(sorted([v['Name'] + '=' + v['SecretString'] for v in r['SecretValues']])))\nprint(json.dumps(sorted([e['SecretId'] + ' ' + e['ErrorCode'] for e in r['Errors']])))",
      reader,
    );
    expect(out).toEqual([
      '["batch/open-1=one", "batch/open-2=two"]',
      // a secret that is not there, outside what it may read: refused alike, telling nothing
      '["batch/closed AccessDeniedException", "batch/none AccessDeniedException"]',
    ]);
    // by filter: ListSecrets' permission too
    const filtered = await py(
      "r = sm.batch_get_secret_value(Filters=[{'Key': 'name', 'Values': ['batch/open']}])\nprint(sorted(v['Name'] for v in r['SecretValues']))\nprint(err(lambda: boto3.client('secretsmanager').batch_get_secret_value(SecretIdList=['batch/open-1'], Filters=[{'Key': 'name', 'Values': ['x']}])))",
      full,
    );
    expect(filtered[0]).toBe("['batch/open-1', 'batch/open-2']");
    expect(filtered[1]).toMatch(/^InvalidParameterException: /);
    expect(
      await py(
        "print(err(lambda: sm.batch_get_secret_value(SecretIdList=['batch/open-1'])))",
        none,
      ),
    ).toEqual([
      expect.stringMatching(
        /^AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role\/sm-none\/.* is not authorized to perform: secretsmanager:BatchGetSecretValue/,
      ),
    ]);
  });

  it('lists a secret’s versions, the deprecated ones when asked', async () => {
    const out = await py(
      "sm.create_secret(Name='versions', SecretString='v1')\nsm.put_secret_value(SecretId='versions', SecretString='v2')\nsm.put_secret_value(SecretId='versions', SecretString='v3')\nr = sm.list_secret_version_ids(SecretId='versions')['Versions']\nprint(sorted(','.join(v['VersionStages']) for v in r))\nr = sm.list_secret_version_ids(SecretId='versions', IncludeDeprecated=True)['Versions']\nprint(len(r))",
      full,
    );
    expect(out).toEqual(["['AWSCURRENT', 'AWSPREVIOUS']", '3']);
  });

  it('LastAccessedDate is the version’s read: AWSPREVIOUS read, AWSPREVIOUS dated; the secret dated too', async () => {
    const out = await py(
      "sm.create_secret(Name='accessed', SecretString='v1')\nsm.put_secret_value(SecretId='accessed', SecretString='v2')\nsm.get_secret_value(SecretId='accessed', VersionStage='AWSPREVIOUS')\nr = sm.list_secret_version_ids(SecretId='accessed')['Versions']\nprint(sorted(','.join(v['VersionStages']) + '=' + str('LastAccessedDate' in v) for v in r))\nprint('LastAccessedDate' in sm.describe_secret(SecretId='accessed'))",
      full,
    );
    expect(out).toEqual(["['AWSCURRENT=False', 'AWSPREVIOUS=True']", 'True']);
  });

  it('LastChangedDate moves with any change, a secret marked for deletion takes no tags, and the model’s limits hold', async () => {
    const out = await py(
      "sm.create_secret(Name='changes', SecretString='x')\nbefore = sm.describe_secret(SecretId='changes')['LastChangedDate']\nimport time; time.sleep(1.1)\nsm.tag_resource(SecretId='changes', Tags=[{'Key': 'k', 'Value': 'v'}])\nprint(sm.describe_secret(SecretId='changes')['LastChangedDate'] > before)\nsm.delete_secret(SecretId='changes', RecoveryWindowInDays=7)\nprint(err(lambda: sm.tag_resource(SecretId='changes', Tags=[{'Key': 'k2', 'Value': 'v'}])))\nprint(err(lambda: raw.create_secret(Name='empty', SecretString='')))\nprint(err(lambda: raw.create_secret(Name='long-desc', SecretString='x', Description='d' * 2049)))\nprint(err(lambda: raw.describe_secret(SecretId='s' * 2049)))",
      full,
    );
    expect(out).toEqual([
      'True',
      "InvalidRequestException: You can't perform this operation on the secret because it was marked for deletion.",
      "ValidationException: 1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length greater than or equal to 1",
      "ValidationException: 1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048",
      "ValidationException: 1 validation error detected: Value at 'secretId' failed to satisfy constraint: Member must have length less than or equal to 2048",
    ]);
  });
});
