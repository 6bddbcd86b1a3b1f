/**
 * Principals (spec/iam-policy.md §5): how each kind of caller is read, the chain of
 * identities it presents, whether a `Principal` names it and through which link, and the
 * `NotPrincipal` rules (every link listed to be exempt; a caller with a permissions boundary
 * never exempt from a Deny). AWS pages: reference_policies_elements_principal.html,
 * reference_policies_elements_notprincipal.html, access_policies_boundaries.html.
 */
import { describe, expect, it } from 'vitest';
import {
  compilePrincipal,
  normaliseAwsPrincipal,
  notPrincipalApplies,
  principalFromString,
  principalGrant,
  principalIdentities,
} from './principal.js';
import type { PrincipalElement, PrincipalKind, RequestPrincipal } from './types.js';

const A = '111122223333';
const B = '444455556666';
const USER = `arn:aws:iam::${A}:user/ana`;
const ROLE = `arn:aws:iam::${A}:role/app`;
const SESSION = `arn:aws:sts::${A}:assumed-role/app/s1`;
const ROOT = `arn:aws:iam::${A}:root`;
const FED = `arn:aws:sts::${A}:federated-user/carol`;
const OIDC = `arn:aws:iam::${A}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE`;
const SAML = `arn:aws:iam::${A}:saml-provider/ExampleOrgSSOProvider`;

describe('principalFromString: every kind of caller', () => {
  it.each<[string, Partial<RequestPrincipal>]>([
    [USER, { type: 'User', id: USER, account: A, partition: 'aws' }],
    [`arn:aws:iam::${A}:user/division/ana`, { type: 'User', account: A }],
    [ROLE, { type: 'Role', roleArn: ROLE, account: A }],
    [SESSION, { type: 'AssumedRole', id: SESSION, account: A, roleArn: ROLE }],
    [FED, { type: 'FederatedUser', id: FED, account: A }],
    [ROOT, { type: 'Account', id: ROOT, account: A }],
    [A, { type: 'Account', id: ROOT, account: A }],
    [OIDC, { type: 'WebIdentity', id: OIDC, account: A }],
    [SAML, { type: 'SAML', id: SAML, account: A }],
    ['accounts.google.com', { type: 'WebIdentity', id: 'accounts.google.com' }],
    [
      'cognito-identity.amazonaws.com',
      { type: 'WebIdentity', id: 'cognito-identity.amazonaws.com' },
    ],
    ['graph.facebook.com', { type: 'WebIdentity' }],
    ['www.amazon.com', { type: 'WebIdentity' }],
    ['pods.eks.amazonaws.com', { type: 'Service', id: 'pods.eks.amazonaws.com' }],
    ['cloudtrail.amazonaws.com', { type: 'Service' }],
    ['*', { type: 'Anonymous' }],
    ['anonymous', { type: 'Anonymous' }],
    [
      `arn:aws-cn:sts::${A}:assumed-role/app/s1`,
      { type: 'AssumedRole', partition: 'aws-cn', roleArn: `arn:aws-cn:iam::${A}:role/app` },
    ],
    [`arn:aws:sts::${A}:assumed-role/app/i-0123456789abcdef0`, { type: 'AssumedRole' }],
  ])('%s', (text, expected) => {
    expect(principalFromString(text)).toMatchObject(expected);
  });

  it('services and anonymous callers have no account', () => {
    expect(principalFromString('pods.eks.amazonaws.com')?.account).toBeUndefined();
    expect(principalFromString('anonymous')?.account).toBeUndefined();
    expect(principalFromString('accounts.google.com')?.account).toBeUndefined();
  });

  it.each([
    '',
    'ana',
    '12345678901',
    `arn:aws:iam::${A}:group/devs`,
    `arn:aws:sts::${A}:assumed-role/app`,
    `arn:aws:s3:::bucket`,
    'arn:aws:iam',
  ])('%j is not a caller', (text) => {
    expect(principalFromString(text)).toBeUndefined();
  });

  // engine choice: aws:PrincipalArn gives a session its role ARN with path
  it.each<[string, string]>([
    [`arn:aws:iam::${A}:role/team/app`, `arn:aws:iam::${A}:role/team/app`],
    [`arn:aws:iam::${A}:role/a/b/app`, `arn:aws:iam::${A}:role/a/b/app`],
    // a hint naming another role is ignored
    [`arn:aws:iam::${A}:role/team/other-app`, ROLE],
    [`arn:aws:iam::${A}:role/team/xapp`, ROLE],
    [USER, ROLE],
    // a hint in another account cannot be this session's role
    [`arn:aws:iam::${B}:role/team/app`, ROLE],
  ])('session role ARN from hint %s', (hint, roleArn) => {
    expect(principalFromString(SESSION, hint)?.roleArn).toBe(roleArn);
  });
});

describe('principalIdentities: the chain a caller presents (§5)', () => {
  const chain = (text: string) =>
    principalIdentities(principalFromString(text) as RequestPrincipal).map(
      (i) => `${i.kind}:${i.value}:${i.grant}`,
    );
  it.each<[string, string[]]>([
    [USER, [`AWS:${USER}:direct`, `AWS:acct:${A}:account`]],
    [SESSION, [`AWS:${SESSION}:direct`, `AWS:${ROLE}:role`, `AWS:acct:${A}:account`]],
    [ROLE, [`AWS:${ROLE}:role`, `AWS:acct:${A}:account`]],
    [FED, [`AWS:${FED}:direct`, `AWS:acct:${A}:account`]],
    [ROOT, [`AWS:acct:${A}:direct`]],
    [OIDC, [`Federated:${OIDC}:direct`]],
    [SAML, [`Federated:${SAML}:direct`]],
    ['pods.eks.amazonaws.com', ['Service:pods.eks.amazonaws.com:direct']],
    ['anonymous', []],
  ])('%s', (text, expected) => {
    expect(chain(text)).toEqual(expected);
  });
  it('a federated-user session whose user is known also presents that user', () => {
    const p = principalFromString(FED) as RequestPrincipal;
    p.federatingUserArn = USER;
    expect(principalIdentities(p).map((i) => i.grant)).toEqual(['direct', 'role', 'account']);
  });
});

describe('normaliseAwsPrincipal', () => {
  it.each([
    [A, `acct:${A}`],
    [ROOT, `acct:${A}`],
    [USER, USER],
    [ROLE, ROLE],
    ['*', '*'],
  ])('%s → %s', (v, out) => {
    expect(normaliseAwsPrincipal(v)).toBe(out);
  });
});

const el = (entries: [PrincipalKind, string][] | '*'): PrincipalElement =>
  entries === '*'
    ? { star: true, entries: [] }
    : { star: false, entries: entries.map(([kind, value]) => ({ kind, value })) };
const caller = (text: string, hint?: string) =>
  principalIdentities(principalFromString(text, hint) as RequestPrincipal);

describe('Principal: whether and how a policy names the caller (§5, §11)', () => {
  it.each<[string, PrincipalElement, string, string | undefined]>([
    // "*" and {"AWS":"*"} name everyone, anonymous included [doc]
    ['star', el('*'), 'anonymous', 'direct'],
    ['AWS star', el([['AWS', '*']]), 'anonymous', 'direct'],
    ['AWS star, service', el([['AWS', '*']]), 'pods.eks.amazonaws.com', 'direct'],
    ['user', el([['AWS', USER]]), USER, 'direct'],
    ['user, other user', el([['AWS', USER]]), `arn:aws:iam::${A}:user/bob`, undefined],
    ['user, case differs', el([['AWS', `arn:aws:iam::${A}:user/Ana`]]), USER, undefined],
    // naming the account delegates to it [doc]
    ['account id, user', el([['AWS', A]]), USER, 'account'],
    ['account root, user', el([['AWS', ROOT]]), USER, 'account'],
    ['account id, session', el([['AWS', A]]), SESSION, 'account'],
    ['account id, root', el([['AWS', A]]), ROOT, 'direct'],
    ['account id, other account', el([['AWS', B]]), USER, undefined],
    ['account id, anonymous', el([['AWS', A]]), 'anonymous', undefined],
    // a role names every session of it; a session ARN exactly that session
    ['role, session', el([['AWS', ROLE]]), SESSION, 'role'],
    ['session, session', el([['AWS', SESSION]]), SESSION, 'direct'],
    [
      'session, other session',
      el([['AWS', SESSION]]),
      `arn:aws:sts::${A}:assumed-role/app/s2`,
      undefined,
    ],
    [
      'role and session: strongest link',
      el([
        ['AWS', ROLE],
        ['AWS', SESSION],
      ]),
      SESSION,
      'direct',
    ],
    [
      'account and role: strongest link',
      el([
        ['AWS', A],
        ['AWS', ROLE],
      ]),
      SESSION,
      'role',
    ],
    // no partial wildcards [doc]
    ['partial wildcard', el([['AWS', `arn:aws:sts::${A}:assumed-role/app/*`]]), SESSION, undefined],
    ['federated user', el([['AWS', FED]]), FED, 'direct'],
    ['oidc provider', el([['Federated', OIDC]]), OIDC, 'direct'],
    ['oidc provider under AWS', el([['AWS', OIDC]]), OIDC, undefined],
    ['google', el([['Federated', 'accounts.google.com']]), 'accounts.google.com', 'direct'],
    ['saml provider', el([['Federated', SAML]]), SAML, 'direct'],
    ['service', el([['Service', 'pods.eks.amazonaws.com']]), 'pods.eks.amazonaws.com', 'direct'],
    [
      'service, other service',
      el([['Service', 'ec2.amazonaws.com']]),
      'pods.eks.amazonaws.com',
      undefined,
    ],
    [
      'service under AWS',
      el([['AWS', 'pods.eks.amazonaws.com']]),
      'pods.eks.amazonaws.com',
      undefined,
    ],
  ])('%s', (_name, principal, text, grant) => {
    expect(principalGrant(compilePrincipal(principal), caller(text))).toBe(grant);
  });

  it('a role ARN with a path names the session when aws:PrincipalArn gives the path', () => {
    const m = compilePrincipal(el([['AWS', `arn:aws:iam::${A}:role/team/app`]]));
    expect(principalGrant(m, caller(SESSION, `arn:aws:iam::${A}:role/team/app`))).toBe('role');
  });
});

describe('NotPrincipal (§5 [doc])', () => {
  // applies unless every link of the caller's chain is listed
  it.each<[string, [PrincipalKind, string][] | '*', string, boolean]>([
    [
      'session, role and account listed',
      [
        ['AWS', SESSION],
        ['AWS', ROLE],
        ['AWS', ROOT],
      ],
      SESSION,
      false,
    ],
    ['session only', [['AWS', SESSION]], SESSION, true],
    [
      'role and account',
      [
        ['AWS', ROLE],
        ['AWS', ROOT],
      ],
      SESSION,
      true,
    ],
    [
      'session and role',
      [
        ['AWS', SESSION],
        ['AWS', ROLE],
      ],
      SESSION,
      true,
    ],
    [
      'user and account',
      [
        ['AWS', USER],
        ['AWS', ROOT],
      ],
      USER,
      false,
    ],
    [
      'user and account id',
      [
        ['AWS', USER],
        ['AWS', A],
      ],
      USER,
      false,
    ],
    ['user only', [['AWS', USER]], USER, true],
    [
      'other user',
      [
        ['AWS', USER],
        ['AWS', ROOT],
      ],
      `arn:aws:iam::${A}:user/bob`,
      true,
    ],
    ['root by account', [['AWS', A]], ROOT, false],
    [
      'anonymous',
      [
        ['AWS', USER],
        ['AWS', ROOT],
      ],
      'anonymous',
      true,
    ],
    ['star lists everyone', '*', USER, false],
    [
      'service listed',
      [['Service', 'cloudtrail.amazonaws.com']],
      'cloudtrail.amazonaws.com',
      false,
    ],
    ['provider listed', [['Federated', OIDC]], OIDC, false],
  ])('%s → applies %s', (_name, listed, text, applies) => {
    const m = compilePrincipal(el(listed));
    expect(notPrincipalApplies(m, caller(text), false)).toBe(applies);
  });

  // a caller with a permissions boundary is always denied by NotPrincipal + Deny [doc]
  it.each<[string, [PrincipalKind, string][], string]>([
    [
      'user',
      [
        ['AWS', USER],
        ['AWS', ROOT],
      ],
      USER,
    ],
    [
      'session',
      [
        ['AWS', SESSION],
        ['AWS', ROLE],
        ['AWS', ROOT],
      ],
      SESSION,
    ],
  ])('Deny with a boundary: %s is never exempt', (_name, listed, text) => {
    expect(notPrincipalApplies(compilePrincipal(el(listed)), caller(text), true)).toBe(true);
  });
});
