import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type IamHarness, iamHarness } from './testing.js';

const ACCOUNT = '123456789012';
const S3_READ_ONLY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const LOCAL = 'arn:aws:iam::123456789012:policy/app';
const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});
const DOC = (action: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }],
  });
const role = { kind: 'role', account: ACCOUNT, roleName: 'app' } as const;

let h: IamHarness;
beforeEach(async () => {
  h = await iamHarness();
  await h.call('CreateRole', { RoleName: 'app', AssumeRolePolicyDocument: EC2_TRUST });
  await h.call('CreatePolicy', { PolicyName: 'app', PolicyDocument: DOC('sqs:SendMessage') });
  await h.call('PutRolePolicy', {
    RoleName: 'app',
    PolicyName: 'inline',
    PolicyDocument: DOC('s3:GetObject'),
  });
  await h.call('AttachRolePolicy', { RoleName: 'app', PolicyArn: S3_READ_ONLY });
  await h.call('AttachRolePolicy', { RoleName: 'app', PolicyArn: LOCAL });
});
afterEach(async () => {
  await h.close();
});

describe('IamDirectory caching', () => {
  it('returns the same compiled objects until a write', async () => {
    const a = await h.directory.policiesOf(role);
    const b = await h.directory.policiesOf(role);
    expect(b).toBe(a);
    expect(a.identity.map((p) => [p.id, p.kind])).toEqual([
      ['inline', 'identity'],
      [S3_READ_ONLY, 'identity'],
      [LOCAL, 'identity'],
    ]);

    // a write elsewhere in the store moves the revision but changes nothing here
    await h.store.put('unrelated', 'k', { n: 1 });
    const c = await h.directory.policiesOf(role);
    expect(c).toBe(a);

    // a write to the role rebuilds the set, recompiling only what changed
    await h.call('PutRolePolicy', {
      RoleName: 'app',
      PolicyName: 'second',
      PolicyDocument: DOC('s3:PutObject'),
    });
    const d = await h.directory.policiesOf(role);
    expect(d).not.toBe(a);
    expect(d.identity.map((p) => p.id)).toEqual(['inline', 'second', S3_READ_ONLY, LOCAL]);
    expect(d.identity[0]).toBe(a.identity[0]);
    expect(d.identity[2]).toBe(a.identity[1]);
    expect(d.identity[3]).toBe(a.identity[2]);

    // a new default version of an attached policy is seen and compiled once
    await h.call('CreatePolicyVersion', {
      PolicyArn: LOCAL,
      PolicyDocument: DOC('sqs:ReceiveMessage'),
      SetAsDefault: 'true',
    });
    const e = await h.directory.policiesOf(role);
    expect(e).not.toBe(d);
    expect(e.identity[3]).not.toBe(d.identity[3]);
    expect(e.identity[3]?.document.text).toBe(DOC('sqs:ReceiveMessage'));
    expect(e.identity[0]).toBe(d.identity[0]);
    expect(await h.directory.policiesOf(role)).toBe(e);
  });

  it('compiles AWS managed policies once, whichever entity uses them', async () => {
    await h.call('CreateUser', { UserName: 'ana' });
    await h.call('AttachUserPolicy', { UserName: 'ana', PolicyArn: S3_READ_ONLY });
    const r = await h.directory.policiesOf(role);
    const u = await h.directory.policiesOf({ kind: 'user', account: ACCOUNT, userName: 'ana' });
    expect(u.identity[0]).toBe(r.identity[1]);
    const m = await h.directory.getManagedPolicy(S3_READ_ONLY);
    expect(m?.policy).toBe(r.identity[1]);
  });

  it('answers empty sets for an entity that does not exist', async () => {
    expect(
      await h.directory.policiesOf({ kind: 'role', account: ACCOUNT, roleName: 'ghost' }),
    ).toEqual({ identity: [], boundary: [], tags: [] });
  });
});

describe('IamDirectory lookups', () => {
  it('reads roles, users, keys, managed policies and accounts', async () => {
    expect(await h.directory.getRole(ACCOUNT, 'APP')).toMatchObject({
      roleName: 'app',
      arn: 'arn:aws:iam::123456789012:role/app',
      assumeRolePolicyDocument: EC2_TRUST,
      maxSessionDuration: 3600,
      tags: [],
      createDate: '2026-11-22T12:00:00Z',
    });
    expect(await h.directory.getUser(ACCOUNT, 'irsa-admin')).toMatchObject({
      userName: 'irsa-admin',
      arn: 'arn:aws:iam::123456789012:user/irsa-admin',
    });
    expect(await h.directory.getAccessKey(h.adminKey.accessKeyId)).toMatchObject({
      accessKeyId: h.adminKey.accessKeyId,
      secretAccessKey: h.adminKey.secretAccessKey,
      account: ACCOUNT,
      userName: 'irsa-admin',
      status: 'Active',
    });
    expect(await h.directory.getAccessKey('AKIANOSUCHKEYEXAMPLE')).toBeUndefined();
    const local = await h.directory.getManagedPolicy(LOCAL);
    expect(local?.document).toBe(DOC('sqs:SendMessage'));
    expect(await h.directory.getManagedPolicy('arn:aws:iam::aws:policy/Nope')).toBeUndefined();
    expect(await h.directory.accounts()).toEqual([ACCOUNT]);
    const admin = await h.directory.policiesOf({
      kind: 'user',
      account: ACCOUNT,
      userName: 'irsa-admin',
    });
    expect(admin.identity.map((p) => p.id)).toEqual([
      'arn:aws:iam::aws:policy/AdministratorAccess',
    ]);
  });
});
