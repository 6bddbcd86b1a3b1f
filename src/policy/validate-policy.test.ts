import { describe, expect, it } from 'vitest';
import { MSG, type PolicyErrorCode, type PolicyProblem } from './errors.js';
import { loadPolicy } from './index.js';
import { parsePolicy } from './parse-policy.js';
import { POLICY_TYPES, type PolicyType, type PrincipalKind } from './types.js';
import {
  firstProblem,
  policySize,
  sizeQuota,
  type ValidateOptions,
  validatePolicy,
} from './validate-policy.js';

// IAM's texts, written out word for word (spec/iam-policy.md §3, §4, §13; aws-wire.md §5.6).
// They are deliberately not taken from errors.ts, so that a typo there fails here.
const TEXT = {
  syntax: 'Syntax errors in policy.',
  invalidJson: 'This policy contains invalid Json',
  version: 'Policy document must be version 2012-10-17 or greater.',
  legacy: 'The policy failed legacy parsing',
  sidUnique: 'Statement IDs (SID) in a single policy must be unique.',
  sidAlnum:
    'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
  needActions: 'Policy statement must contain actions.',
  needResources: 'Policy statement must contain resources.',
  noPrincipal: 'Policy document should not specify a principal.',
  prohibitedResource: 'Has prohibited field Resource.',
  needPrincipal: 'Missing required field Principal',
  vendorPrefix: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  oneColon: 'Actions/Condition can contain only one colon.',
  vendorQualified: 'Resource vendor must be fully qualified and cannot contain regexes.',
  iamPath:
    'IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.',
  trustActions:
    'Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML, and sts:AssumeRoleWithWebIdentity',
  rcpEffect: 'Resource control policies can only contain Deny statements.',
  rcpPrincipal: 'Resource control policies must specify "Principal": "*".',
  scpPrincipal: 'Service control policies cannot specify a principal.',
} as const;
const vendorInvalid = (v: string) => `Vendor ${v} is not valid`;
const resourceArn = (r: string) => `Resource ${r} must be in ARN format or "*".`;
const partition = (p: string, arn: string) =>
  `Partition "${p}" is not valid for resource "${arn}".`;
const iamRegion = (r: string) => `IAM resource ${r} cannot contain region information.`;
const s3Region = (r: string) => `Resource ${r} can not contain region information.`;
const invalidPrincipal = (kind: string, v: string) =>
  `Invalid principal in policy: "${kind}":"${v}"`;
const managedSize = (n: number) => `Cannot exceed quota for PolicySize: ${n}`;
const trustSize = (n: number) => `Cannot exceed quota for ACLSizePerRole: ${n}`;

const ACCOUNT = '111122223333';
const ISSUER = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const OIDC = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;

type Statement = Record<string, unknown>;

/** A minimal valid statement for each policy type. */
const BASE: Record<PolicyType, Statement> = {
  identity: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
  boundary: { Effect: 'Allow', Action: ['s3:*', 'sqs:*'], Resource: '*' },
  session: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
  resource: {
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::b/*',
  },
  trust: {
    Effect: 'Allow',
    Principal: { Federated: OIDC },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${ISSUER}:sub`]: 'system:serviceaccount:ns:sa',
        [`${ISSUER}:aud`]: 'sts.amazonaws.com',
      },
    },
  },
  scp: { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
  rcp: {
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: '*',
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  },
};

/** The base statement of `type` with `changes` applied; an `undefined` value removes the key. */
const st = (type: PolicyType, changes: Statement = {}): Statement => ({
  ...BASE[type],
  ...changes,
});

/** A policy text; `top` may override or (with `undefined`) remove `Version`. */
const doc = (statements: Statement | Statement[], top: Record<string, unknown> = {}): string =>
  JSON.stringify({ Version: '2012-10-17', ...top, Statement: statements });

function problems(text: string, type: PolicyType, options?: ValidateOptions): PolicyProblem[] {
  const r = parsePolicy(text, { type });
  if (!r.ok)
    throw new Error(`expected the policy to parse: ${r.error.message} (${r.error.detail})`);
  return validatePolicy(r.document, type, options);
}

const messages = (text: string, type: PolicyType, options?: ValidateOptions) =>
  problems(text, type, options).map((p) => p.message);

function expectFirst(
  p: PolicyProblem | undefined,
  message: string,
  code: PolicyErrorCode = 'MalformedPolicyDocument',
  httpStatus: 400 | 409 = 400,
) {
  expect(p, `expected "${message}"`).toBeDefined();
  expect(p?.code).toBe(code);
  expect(p?.httpStatus).toBe(httpStatus);
  expect(p?.message).toBe(message);
}

const IDENTITY_LIKE = ['identity', 'boundary', 'session'] as const;

describe('the message texts, word for word', () => {
  it.each([
    ['syntax', MSG.syntax, TEXT.syntax],
    ['invalidJson', MSG.invalidJson, TEXT.invalidJson],
    ['version', MSG.version, TEXT.version],
    ['legacy', MSG.legacy, TEXT.legacy],
    ['sidUnique', MSG.sidUnique, TEXT.sidUnique],
    ['sidAlnum', MSG.sidAlnum, TEXT.sidAlnum],
    ['needActions', MSG.needActions, TEXT.needActions],
    ['needResources', MSG.needResources, TEXT.needResources],
    ['noPrincipal', MSG.noPrincipal, TEXT.noPrincipal],
    ['prohibitedResource', MSG.prohibitedResource, TEXT.prohibitedResource],
    ['needPrincipal', MSG.needPrincipal, TEXT.needPrincipal],
    ['vendorPrefix', MSG.vendorPrefix, TEXT.vendorPrefix],
    ['oneColon', MSG.oneColon, TEXT.oneColon],
    ['vendorInvalid', MSG.vendorInvalid('s_3'), 'Vendor s_3 is not valid'],
    ['resourceArn', MSG.resourceArn('b'), 'Resource b must be in ARN format or "*".'],
    [
      'partition',
      MSG.partition('x', 'arn:x:s3:::b'),
      'Partition "x" is not valid for resource "arn:x:s3:::b".',
    ],
    [
      'iamRegion',
      MSG.iamRegion('arn:aws:iam:r:1:role/x'),
      'IAM resource arn:aws:iam:r:1:role/x cannot contain region information.',
    ],
    [
      's3Region',
      MSG.s3Region('arn:aws:s3:r::b'),
      'Resource arn:aws:s3:r::b can not contain region information.',
    ],
    ['iamPath', MSG.iamPath, TEXT.iamPath],
    ['vendorQualified', MSG.vendorQualified, TEXT.vendorQualified],
    ['trustActions', MSG.trustActions, TEXT.trustActions],
    [
      'invalidPrincipal',
      MSG.invalidPrincipal('AWS', 'arn:aws:iam::1:role/x'),
      'Invalid principal in policy: "AWS":"arn:aws:iam::1:role/x"',
    ],
    ['rcpEffect', MSG.rcpEffect, TEXT.rcpEffect],
    ['rcpPrincipal', MSG.rcpPrincipal, TEXT.rcpPrincipal],
    ['scpPrincipal', MSG.scpPrincipal, TEXT.scpPrincipal],
    ['managedSize', MSG.managedSize(6144), 'Cannot exceed quota for PolicySize: 6144'],
    ['trustSize', MSG.trustSize(2048), 'Cannot exceed quota for ACLSizePerRole: 2048'],
    [
      'charset',
      MSG.charset('policyDocument'),
      "1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
    ],
  ])('%s', (_key, actual, expected) => {
    expect(actual).toBe(expected);
  });
});

interface Case {
  /** the MSG entry the case triggers */
  key: keyof typeof MSG;
  what: string;
  type: PolicyType;
  text: string;
  message: string;
  code?: PolicyErrorCode;
  httpStatus?: 400 | 409;
  options?: ValidateOptions;
}

const cases: Case[] = [];
const add = (
  key: keyof typeof MSG,
  what: string,
  types: readonly PolicyType[],
  text: (type: PolicyType) => string,
  message: string,
  extra: Partial<Case> = {},
) => {
  for (const type of types) cases.push({ key, what, type, text: text(type), message, ...extra });
};

// --- JSON (the parser reports these; validatePolicy never sees the document) ---------------
// covered in parse-policy.test.ts; listed here so that every MSG entry has a row
const PARSE_ONLY: (keyof typeof MSG)[] = ['syntax', 'invalidJson', 'charset'];

// --- Version --------------------------------------------------------------------------------
add(
  'version',
  'Version 2008-10-17',
  IDENTITY_LIKE,
  (t) => doc(st(t), { Version: '2008-10-17' }),
  TEXT.version,
);
add(
  'version',
  'no Version',
  IDENTITY_LIKE,
  (t) => doc(st(t), { Version: undefined }),
  TEXT.version,
);

// --- legacy parsing -------------------------------------------------------------------------
add('legacy', 'Effect allow', POLICY_TYPES, (t) => doc(st(t, { Effect: 'allow' })), TEXT.legacy);
add('legacy', 'Effect DENY', POLICY_TYPES, (t) => doc(st(t, { Effect: 'DENY' })), TEXT.legacy);
add(
  'legacy',
  'Effect in the second statement',
  ['identity'],
  (t) => doc([st(t), st(t, { Effect: 'deny' })]),
  TEXT.legacy,
);
const dateCase = (what: string, condition: unknown) =>
  add(
    'legacy',
    what,
    ['identity', 'trust', 'resource'],
    (t) => doc(st(t, { Condition: condition })),
    TEXT.legacy,
  );
dateCase('a word under DateGreaterThan', { DateGreaterThan: { 'aws:CurrentTime': 'yesterday' } });
dateCase('month 13 under DateLessThan', {
  DateLessThan: { 'aws:CurrentTime': '2019-13-01T00:00:00Z' },
});
dateCase('hour 25 under DateEquals', { DateEquals: { 'aws:CurrentTime': '2020-01-01T25:00:00Z' } });
dateCase('one bad date in a list', {
  DateLessThanEquals: { 'aws:CurrentTime': ['2020-01-01', 'soon'] },
});
dateCase('a bad date under ForAnyValue:DateNotEqualsIfExists', {
  'ForAnyValue:DateNotEqualsIfExists': { 'aws:TokenIssueTime': 'never' },
});
dateCase('a boolean under DateGreaterThanEquals', {
  DateGreaterThanEquals: { 'aws:EpochTime': true },
});
const legacyIdentity = (what: string, condition: unknown) =>
  add('legacy', what, ['identity'], (t) => doc(st(t, { Condition: condition })), TEXT.legacy);
// W3C ISO 8601 separates date and time with T, never a space (spec §7); emulators agree
legacyIdentity('a space between date and time', {
  DateGreaterThan: { 'aws:CurrentTime': '2019-02-03 10:00:00Z' },
});
// epoch seconds beyond a signed 64-bit integer (moto's suite, derived from IAM's answers)
legacyIdentity('epoch seconds past 2^63', {
  DateLessThan: { 'aws:EpochTime': '9223372036854775808' },
});
add(
  'legacy',
  'Resource arn:aws:s3::b (:: and fewer than 5 colons)',
  ['identity', 'resource', 'scp'],
  (t) => doc(st(t, { Resource: 'arn:aws:s3::b' })),
  TEXT.legacy,
);
add(
  'legacy',
  'NotResource arn:aws:s3::b',
  ['identity'],
  (t) => doc(st(t, { Resource: undefined, NotResource: 'arn:aws:s3::b' })),
  TEXT.legacy,
);
add(
  'legacy',
  'arn:aws:sqs::x in a list',
  ['identity'],
  (t) => doc(st(t, { Resource: ['arn:aws:s3:::b', 'arn:aws:sqs::x'] })),
  TEXT.legacy,
);
add(
  'legacy',
  'an empty service',
  ['identity', 'resource'],
  (t) => doc(st(t, { Resource: `arn:aws::us-east-1:${ACCOUNT}:thing` })),
  TEXT.legacy,
);

// --- Sids -----------------------------------------------------------------------------------
const IAM_TYPES = [...IDENTITY_LIKE, 'trust'] as const;
add(
  'sidUnique',
  'a repeated Sid',
  IAM_TYPES,
  (t) => doc([st(t, { Sid: 'Stmt1' }), st(t, { Sid: 'Other' }), st(t, { Sid: 'Stmt1' })]),
  TEXT.sidUnique,
);
add(
  'sidAlnum',
  'a Sid with a hyphen',
  IAM_TYPES,
  (t) => doc(st(t, { Sid: 'my-sid' })),
  TEXT.sidAlnum,
);
add(
  'sidAlnum',
  'a Sid with a space',
  ['identity'],
  (t) => doc(st(t, { Sid: 'my sid' })),
  TEXT.sidAlnum,
);
add(
  'sidAlnum',
  'a Sid with an underscore',
  ['trust'],
  (t) => doc(st(t, { Sid: 'my_sid' })),
  TEXT.sidAlnum,
);
add(
  'sidAlnum',
  'a Sid with a Latin-1 letter',
  ['identity'],
  (t) => doc(st(t, { Sid: 'Ünï' })),
  TEXT.sidAlnum,
);

// --- actions --------------------------------------------------------------------------------
add(
  'needActions',
  'no Action',
  POLICY_TYPES,
  (t) => doc(st(t, { Action: undefined })),
  TEXT.needActions,
);
add(
  'needActions',
  'an empty Action list',
  POLICY_TYPES,
  (t) => doc(st(t, { Action: [] })),
  TEXT.needActions,
);
add(
  'needActions',
  'an empty NotAction list',
  ['identity', 'scp'],
  (t) => doc(st(t, { Action: undefined, NotAction: [] })),
  TEXT.needActions,
);
add(
  'needActions',
  'no Action in the second statement',
  ['identity', 'trust'],
  (t) => doc([st(t), st(t, { Action: undefined })]),
  TEXT.needActions,
);
add(
  'vendorPrefix',
  'Action s3GetObject',
  ['identity', 'resource', 'scp'],
  (t) => doc(st(t, { Action: 's3GetObject' })),
  TEXT.vendorPrefix,
);
add(
  'vendorPrefix',
  'an empty action',
  ['identity'],
  (t) => doc(st(t, { Action: [''] })),
  TEXT.vendorPrefix,
);
add(
  'vendorPrefix',
  'NotAction iam',
  ['identity'],
  (t) => doc(st(t, { Action: undefined, NotAction: 'iam' })),
  TEXT.vendorPrefix,
);
add(
  'vendorPrefix',
  'Action AssumeRole in a trust policy',
  ['trust'],
  (t) => doc(st(t, { Action: 'AssumeRole' })),
  TEXT.vendorPrefix,
);
add(
  'oneColon',
  'Action s3:Get:Object',
  ['identity', 'trust'],
  (t) => doc(st(t, { Action: 's3:Get:Object' })),
  TEXT.oneColon,
);
add(
  'oneColon',
  'an ARN as an action',
  ['identity'],
  (t) => doc(st(t, { Action: ['s3:GetObject', 'arn:aws:s3:::b'] })),
  TEXT.oneColon,
);
add(
  'vendorInvalid',
  'vendor s_3',
  ['identity'],
  (t) => doc(st(t, { Action: 's_3:GetObject' })),
  vendorInvalid('s_3'),
);
add(
  'vendorInvalid',
  'vendor s3*',
  ['identity', 'resource'],
  (t) => doc(st(t, { Action: 's3*:GetObject' })),
  vendorInvalid('s3*'),
);
add(
  'vendorInvalid',
  'vendor with a space',
  ['identity'],
  (t) => doc(st(t, { Action: 's 3:Get' })),
  vendorInvalid('s 3'),
);
add(
  'vendorInvalid',
  'vendor with a slash in NotAction',
  ['scp'],
  (t) => doc(st(t, { Action: undefined, NotAction: 'ec2/x:Run' })),
  vendorInvalid('ec2/x'),
);

// --- resource formats (spec §4) -------------------------------------------------------------
const res = (
  key: keyof typeof MSG,
  resource: string,
  message: string,
  types: readonly PolicyType[] = ['identity'],
) => add(key, `Resource ${resource}`, types, (t) => doc(st(t, { Resource: resource })), message);
res('resourceArn', 'bucket', resourceArn('bucket'), [
  'identity',
  'boundary',
  'session',
  'resource',
  'scp',
  'rcp',
]);
res('resourceArn', 'my-bucket/*', resourceArn('my-bucket/*'));
add(
  'resourceArn',
  'NotResource not an ARN',
  ['identity'],
  (t) => doc(st(t, { Resource: undefined, NotResource: ['*', 'logs'] })),
  resourceArn('logs'),
);
res('partition', 'arn:aws-foo:s3:::b', partition('aws-foo', 'arn:aws-foo:s3:::b'), [
  'identity',
  'resource',
]);
res('partition', 'arn:AWS:s3:::b', partition('AWS', 'arn:AWS:s3:::b'));
// IAM does not check the literal `arn`: the second colon-separated field is taken as the
// partition and `arn:` is put in front (observed answers, as recorded in moto's test suite)
res('partition', 'aws:s3:::example_bucket', partition('s3', 'arn:s3:::example_bucket:*'));
res('partition', 'a:b:cadfsdf', partition('b', 'arn:b:cadfsdf:*:*:*'));
res('partition', 'a:bsdfdsafsad', partition('bsdfdsafsad', 'arn:bsdfdsafsad:*:*:*:*'));
res('partition', 'a:b:c:d:e:f:g:h', partition('b', 'arn:b:c:d:e:f:g:h'));
res('partition', 'arn::s3:::b', partition('', 'arn::s3:::b'));
res('partition', 'arn:foo', partition('foo', 'arn:foo:*:*:*:*'));
res('partition', 'arn:foo:', partition('foo', 'arn:foo:*:*:*:*'));
res('partition', 'arn:foo:s3', partition('foo', 'arn:foo:s3:*:*:*'));
res('partition', 'arn:foo:s3:us-east-1', partition('foo', 'arn:foo:s3:us-east-1:*:*'));
res('partition', 'arn:foo:s3:us-east-1:1', partition('foo', 'arn:foo:s3:us-east-1:1:*'));
res('partition', 'arn:foo:s3:::', partition('foo', 'arn:foo:s3:::'));
res(
  'partition',
  'arn:foo:logs:r:1:log-group:g:*',
  partition('foo', 'arn:foo:logs:r:1:log-group:g:*'),
);
res(
  'iamRegion',
  `arn:aws:iam:us-east-1:${ACCOUNT}:role/x`,
  iamRegion(`arn:aws:iam:us-east-1:${ACCOUNT}:role/x`),
  ['identity', 'boundary'],
);
res('iamRegion', `arn:aws:iam:*:${ACCOUNT}:user/u`, iamRegion(`arn:aws:iam:*:${ACCOUNT}:user/u`));
res('s3Region', 'arn:aws:s3:us-east-1::b', s3Region('arn:aws:s3:us-east-1::b'), [
  'identity',
  'resource',
]);
res(
  's3Region',
  `arn:aws:s3:eu-west-1:${ACCOUNT}:job/j`,
  s3Region(`arn:aws:s3:eu-west-1:${ACCOUNT}:job/j`),
);
res('iamPath', `arn:aws:iam::${ACCOUNT}:bogus/x`, TEXT.iamPath, ['identity', 'session']);
res('iamPath', `arn:aws:iam::${ACCOUNT}:Role/x`, TEXT.iamPath);
res('iamPath', `arn:aws:iam::${ACCOUNT}:roles/x`, TEXT.iamPath);
res('vendorQualified', 'arn:aws', TEXT.vendorQualified);
res('vendorQualified', 'arn:*', TEXT.vendorQualified);
res('vendorQualified', 'arn:aws:s3*:::b', TEXT.vendorQualified, ['identity', 'resource']);
res('vendorQualified', 'arn:aws:*:::b', TEXT.vendorQualified);
res('vendorQualified', 'arn:aws:s?:::b', TEXT.vendorQualified);
res('vendorQualified', 'arn:*:*:*:*:*', TEXT.vendorQualified);

// --- what each type requires or forbids -----------------------------------------------------
add(
  'needResources',
  'no Resource',
  IDENTITY_LIKE,
  (t) => doc(st(t, { Resource: undefined })),
  TEXT.needResources,
);
add(
  'needResources',
  'an empty Resource list',
  IDENTITY_LIKE,
  (t) => doc(st(t, { Resource: [] })),
  TEXT.needResources,
);
add(
  'needResources',
  'an empty NotResource list',
  ['identity'],
  (t) => doc(st(t, { Resource: undefined, NotResource: [] })),
  TEXT.needResources,
);
add(
  'noPrincipal',
  'Principal *',
  IDENTITY_LIKE,
  (t) => doc(st(t, { Principal: '*' })),
  TEXT.noPrincipal,
);
add(
  'noPrincipal',
  'Principal AWS account',
  IDENTITY_LIKE,
  (t) => doc(st(t, { Principal: { AWS: ACCOUNT } })),
  TEXT.noPrincipal,
);
add(
  'noPrincipal',
  'NotPrincipal',
  ['identity'],
  (t) => doc(st(t, { Effect: 'Deny', NotPrincipal: { AWS: ACCOUNT } })),
  TEXT.noPrincipal,
);
add(
  'scpPrincipal',
  'Principal *',
  ['scp'],
  (t) => doc(st(t, { Principal: '*' })),
  TEXT.scpPrincipal,
);
add(
  'scpPrincipal',
  'NotPrincipal',
  ['scp'],
  (t) => doc(st(t, { NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` } })),
  TEXT.scpPrincipal,
);
add(
  'prohibitedResource',
  'Resource *',
  ['trust'],
  (t) => doc(st(t, { Resource: '*' })),
  TEXT.prohibitedResource,
);
add(
  'prohibitedResource',
  'the role as Resource',
  ['trust'],
  (t) => doc(st(t, { Resource: `arn:aws:iam::${ACCOUNT}:role/app` })),
  TEXT.prohibitedResource,
);
add(
  'prohibitedResource',
  'an empty Resource list',
  ['trust'],
  (t) => doc(st(t, { Resource: [] })),
  TEXT.prohibitedResource,
);
add(
  'prohibitedResource',
  'NotResource',
  ['trust'],
  (t) => doc(st(t, { NotResource: '*' })),
  TEXT.prohibitedResource,
);
add(
  'needPrincipal',
  'no Principal',
  ['trust', 'resource', 'rcp'],
  (t) => doc(st(t, { Principal: undefined })),
  TEXT.needPrincipal,
);
add(
  'needPrincipal',
  'no Principal in the second statement',
  ['trust'],
  (t) => doc([st(t), st(t, { Principal: undefined })]),
  TEXT.needPrincipal,
);
add(
  'trustActions',
  'Action s3:GetObject',
  ['trust'],
  (t) => doc(st(t, { Action: 's3:GetObject' })),
  TEXT.trustActions,
);
add(
  'trustActions',
  'Action iam:PassRole',
  ['trust'],
  (t) => doc(st(t, { Action: 'iam:PassRole' })),
  TEXT.trustActions,
);
add(
  'trustActions',
  'Action ec2:*',
  ['trust'],
  (t) => doc(st(t, { Action: 'ec2:*' })),
  TEXT.trustActions,
);
add(
  'trustActions',
  'an unknown STS action',
  ['trust'],
  (t) => doc(st(t, { Action: 'sts:Frobnicate' })),
  TEXT.trustActions,
);
add(
  'trustActions',
  'one non-STS action in a list',
  ['trust'],
  (t) => doc(st(t, { Action: ['sts:AssumeRoleWithWebIdentity', 's3:ListBucket'] })),
  TEXT.trustActions,
);
add('rcpEffect', 'Effect Allow', ['rcp'], (t) => doc(st(t, { Effect: 'Allow' })), TEXT.rcpEffect);
add(
  'rcpEffect',
  'Allow in the second statement',
  ['rcp'],
  (t) => doc([st(t), st(t, { Effect: 'Allow' })]),
  TEXT.rcpEffect,
);
add(
  'rcpPrincipal',
  'Principal AWS account',
  ['rcp'],
  (t) => doc(st(t, { Principal: { AWS: ACCOUNT } })),
  TEXT.rcpPrincipal,
);
add(
  'rcpPrincipal',
  'Principal AWS * and an account',
  ['rcp'],
  (t) => doc(st(t, { Principal: { AWS: ['*', ACCOUNT] } })),
  TEXT.rcpPrincipal,
);
add(
  'rcpPrincipal',
  'Principal Service',
  ['rcp'],
  (t) => doc(st(t, { Principal: { Service: 's3.amazonaws.com' } })),
  TEXT.rcpPrincipal,
);
add(
  'rcpPrincipal',
  'NotPrincipal',
  ['rcp'],
  (t) => doc(st(t, { Principal: undefined, NotPrincipal: { AWS: '*' } })),
  TEXT.rcpPrincipal,
);

// --- principals (spec §5: no partial wildcards; must exist) ----------------------------------
const badAws = [
  'arn:aws:iam::*:role/x',
  `arn:aws:iam::${ACCOUNT}:role/*`,
  `arn:aws:iam::${ACCOUNT}:*`,
  `arn:aws:iam::${ACCOUNT}:role/app?`,
  'arn:aws:iam::1111:root',
  `arn:aws:iam:us-east-1:${ACCOUNT}:root`,
  `arn:aws:iam::${ACCOUNT}:group/admins`,
  `arn:aws:iam::${ACCOUNT}:policy/p`,
  `arn:aws:iam::${ACCOUNT}:role/`,
  'arn:aws:s3:::bucket',
  `arn:aws-foo:iam::${ACCOUNT}:root`,
  `arn:aws:sts::${ACCOUNT}:assumed-role/app`,
  `arn:aws:iam::${ACCOUNT}`,
  'alice',
  '11112222333',
  '1111*',
  '',
];
for (const v of badAws) {
  add(
    'invalidPrincipal',
    `AWS ${v || '(empty)'}`,
    ['trust', 'resource'],
    (t) => doc(st(t, { Principal: { AWS: v } })),
    invalidPrincipal('AWS', v),
  );
}
add(
  'invalidPrincipal',
  'the second value of a list',
  ['resource'],
  (t) => doc(st(t, { Principal: { AWS: [ACCOUNT, 'arn:aws:iam::*:root'] } })),
  invalidPrincipal('AWS', 'arn:aws:iam::*:root'),
);
add(
  'invalidPrincipal',
  'NotPrincipal with a wildcard',
  ['resource'],
  (t) =>
    doc(
      st(t, {
        Effect: 'Deny',
        Principal: undefined,
        NotPrincipal: { AWS: 'arn:aws:iam::*:role/x' },
      }),
    ),
  invalidPrincipal('AWS', 'arn:aws:iam::*:role/x'),
);
const badFederated = [
  `arn:aws:iam::${ACCOUNT}:role/x`,
  'arn:aws:iam::*:oidc-provider/x',
  `arn:aws:iam::${ACCOUNT}:oidc-provider/*`,
  `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER.replace('EXAMPLE', '*')}`,
  `arn:aws:iam::${ACCOUNT}:saml-provider/?`,
  `arn:aws:sts::${ACCOUNT}:oidc-provider/${ISSUER}`,
  ISSUER,
  `https://${ISSUER}`,
  '*',
];
for (const v of badFederated) {
  add(
    'invalidPrincipal',
    `Federated ${v}`,
    ['trust'],
    (t) => doc(st(t, { Principal: { Federated: v } })),
    invalidPrincipal('Federated', v),
  );
}
add(
  'invalidPrincipal',
  'CanonicalUser abc',
  ['resource'],
  (t) => doc(st(t, { Principal: { CanonicalUser: 'abc' } })),
  invalidPrincipal('CanonicalUser', 'abc'),
);

// --- size quotas ----------------------------------------------------------------------------
/** A compact policy of exactly `n` characters: `pad` fills a string to the length. */
function sized(n: number, build: (pad: string) => unknown): string {
  const base = JSON.stringify(build('')).length;
  if (n < base) throw new Error(`cannot make ${n} characters from ${base}`);
  const text = JSON.stringify(build('x'.repeat(n - base)));
  if (text.length !== n || /\s/.test(text)) throw new Error('bad padding');
  return text;
}
const identityOf = (n: number) =>
  sized(n, (pad) => ({
    Version: '2012-10-17',
    Statement: st('identity', { Resource: `arn:aws:s3:::b/${pad}` }),
  }));
const trustOf = (n: number) =>
  sized(n, (pad) => ({ Version: '2012-10-17', Statement: st('trust', { Sid: `S${pad}` }) }));
const scpOf = (n: number) =>
  sized(n, (pad) => ({
    Version: '2012-10-17',
    Statement: st('scp', { Resource: `arn:aws:s3:::b/${pad}` }),
  }));
const rcpOf = (n: number) =>
  sized(n, (pad) => ({
    Version: '2012-10-17',
    Statement: st('rcp', { Resource: `arn:aws:s3:::b/${pad}` }),
  }));
/** Adds `n` characters of whitespace that IAM does not count (or Organizations does). */
const padded = (text: string, n: number) => `{${' \n\t\r'.repeat(n / 4)}${text.slice(1)}`;

const size = (
  what: string,
  type: PolicyType,
  text: string,
  message: string,
  options?: ValidateOptions,
) =>
  cases.push({
    key: type === 'trust' ? 'trustSize' : 'managedSize',
    what,
    type,
    text,
    message,
    code: 'LimitExceeded',
    httpStatus: 409,
    options,
  });
size('6145 characters', 'identity', identityOf(6145), managedSize(6144));
size(
  '6145 characters',
  'boundary',
  identityOf(6145).replace('s3:GetObject', 's3:GetObjec*'),
  managedSize(6144),
);
size('2049 characters', 'trust', trustOf(2049), trustSize(2048));
size('5121 characters', 'scp', scpOf(5121), managedSize(5120));
size('5121 characters', 'rcp', rcpOf(5121), managedSize(5120));
size('5000 characters and 124 spaces', 'scp', padded(scpOf(5000), 124), managedSize(5120));
size('5000 characters and 124 spaces', 'rcp', padded(rcpOf(5000), 124), managedSize(5120));
size('201 characters, sizeLimit 200', 'identity', identityOf(201), managedSize(200), {
  sizeLimit: 200,
});
size('4097 characters, sizeLimit 4096', 'trust', trustOf(4097), trustSize(4096), {
  sizeLimit: 4096,
});
size(
  '5000 characters and 1004 spaces, sizeLimit 6000',
  'scp',
  padded(scpOf(5000), 1004),
  managedSize(6000),
  {
    sizeLimit: 6000,
  },
);
size(
  '21000 characters, sizeLimit 20480',
  'resource',
  sized(21000, (pad) => ({
    Version: '2012-10-17',
    Statement: st('resource', { Resource: `arn:aws:s3:::b/${pad}` }),
  })),
  managedSize(20480),
  { sizeLimit: 20480 },
);

describe('validatePolicy: every message', () => {
  it('has a case for every message (the charset, syntax and invalid-Json ones are the parser’s)', () => {
    const covered = new Set<string>([...cases.map((c) => c.key), ...PARSE_ONLY]);
    expect([...covered].sort()).toEqual(Object.keys(MSG).sort());
  });

  it.each(POLICY_TYPES)('accepts the base %s policy', (type) => {
    expect(problems(doc(st(type)), type)).toEqual([]);
  });

  it.each(cases.map((c) => [c.key, c.type, c.what, c] as const))('%s: %s, %s', (_k, _t, _w, c) => {
    const all = problems(c.text, c.type, c.options);
    expectFirst(firstProblem(all), c.message, c.code, c.httpStatus);
  });
});

describe('validatePolicy: what each type requires or forbids', () => {
  // null: accepted; a string: the first problem; undefined: not asserted (unknown in AWS)
  type Row = Partial<Record<PolicyType, string | null>>;
  const same = (value: string | null, types: readonly PolicyType[]): Row =>
    Object.fromEntries(types.map((t) => [t, value]));
  const probes: [string, (t: PolicyType) => string, Row][] = [
    [
      'Version 2008-10-17',
      (t) => doc(st(t), { Version: '2008-10-17' }),
      { ...same(TEXT.version, IDENTITY_LIKE), trust: null, resource: null },
    ],
    [
      'no Version',
      (t) => doc(st(t), { Version: undefined }),
      { ...same(TEXT.version, IDENTITY_LIKE), trust: null, resource: null },
    ],
    [
      'a repeated Sid',
      (t) => doc([st(t, { Sid: 'A1' }), st(t, { Sid: 'A1' })]),
      { ...same(TEXT.sidUnique, IAM_TYPES), ...same(null, ['resource', 'scp', 'rcp']) },
    ],
    [
      'a Sid with a hyphen',
      (t) => doc(st(t, { Sid: 'allow-read' })),
      { ...same(TEXT.sidAlnum, IAM_TYPES), ...same(null, ['resource', 'scp', 'rcp']) },
    ],
    ['empty Sids', (t) => doc([st(t, { Sid: '' }), st(t, { Sid: '' })]), same(null, POLICY_TYPES)],
    [
      'Principal *',
      (t) => doc(st(t, { Principal: '*' })),
      {
        ...same(TEXT.noPrincipal, IDENTITY_LIKE),
        scp: TEXT.scpPrincipal,
        ...same(null, ['trust', 'resource', 'rcp']),
      },
    ],
    [
      'Principal with a partial wildcard',
      (t) => doc(st(t, { Principal: { AWS: 'arn:aws:iam::*:role/x' } })),
      {
        ...same(TEXT.noPrincipal, IDENTITY_LIKE),
        scp: TEXT.scpPrincipal,
        ...same(invalidPrincipal('AWS', 'arn:aws:iam::*:role/x'), ['trust', 'resource']),
        rcp: TEXT.rcpPrincipal,
      },
    ],
    [
      'no Principal',
      (t) => doc(st(t, { Principal: undefined })),
      {
        ...same(TEXT.needPrincipal, ['trust', 'resource', 'rcp']),
        ...same(null, [...IDENTITY_LIKE, 'scp']),
      },
    ],
    [
      'Resource *',
      (t) => doc(st(t, { Resource: '*' })),
      {
        trust: TEXT.prohibitedResource,
        ...same(null, [...IDENTITY_LIKE, 'resource', 'scp', 'rcp']),
      },
    ],
    [
      'no Resource',
      (t) => doc(st(t, { Resource: undefined })),
      { ...same(TEXT.needResources, IDENTITY_LIKE), trust: null, resource: null },
    ],
    [
      'Action iam:PassRole',
      (t) => doc(st(t, { Action: 'iam:PassRole' })),
      { trust: TEXT.trustActions, ...same(null, [...IDENTITY_LIKE, 'resource', 'scp', 'rcp']) },
    ],
    [
      'Effect Allow',
      (t) => doc(st(t, { Effect: 'Allow' })),
      { rcp: TEXT.rcpEffect, ...same(null, [...IDENTITY_LIKE, 'trust', 'resource', 'scp']) },
    ],
    ['Effect Deny', (t) => doc(st(t, { Effect: 'Deny' })), same(null, POLICY_TYPES)],
    ['Effect allow', (t) => doc(st(t, { Effect: 'allow' })), same(TEXT.legacy, POLICY_TYPES)],
    ['no Action', (t) => doc(st(t, { Action: undefined })), same(TEXT.needActions, POLICY_TYPES)],
    ['Action s3', (t) => doc(st(t, { Action: 's3' })), same(TEXT.vendorPrefix, POLICY_TYPES)],
    [
      'Resource bucket',
      (t) => doc(st(t, { Resource: 'bucket' })),
      same(resourceArn('bucket'), [...IDENTITY_LIKE, 'resource', 'scp', 'rcp']),
    ],
  ];
  const rows = probes.flatMap(([what, text, row]) =>
    POLICY_TYPES.filter((t) => row[t] !== undefined).map(
      (t) => [what, t, text(t), row[t] ?? null] as const,
    ),
  );

  it.each(rows)('%s as %s', (_what, type, text, expected) => {
    const first = firstProblem(problems(text, type));
    if (expected === null) expect(first).toBeUndefined();
    else expectFirst(first, expected);
  });
});

describe('validatePolicy: accepted forms', () => {
  const accepts = (what: string, type: PolicyType, text: string) => [what, type, text] as const;
  const resource = (r: unknown, type: PolicyType = 'identity') => doc(st(type, { Resource: r }));
  const action = (a: unknown, type: PolicyType = 'identity') => doc(st(type, { Action: a }));
  const principal = (p: unknown, type: PolicyType = 'trust') => doc(st(type, { Principal: p }));
  const condition = (c: unknown, type: PolicyType = 'identity') => doc(st(type, { Condition: c }));
  const iamPaths = [
    'user/u',
    'federated-user/f',
    'role/r',
    'group/g',
    'instance-profile/i',
    'mfa/m',
    'server-certificate/s',
    'policy/p',
    'sms-mfa/s',
    'saml-provider/s',
    'oidc-provider/o',
    'report/r',
    'access-report/a',
    'role/*',
    'user/path/*',
  ];

  it.each([
    // Version: trust and resource policies take the old version or none
    accepts('trust, Version 2008-10-17', 'trust', doc(st('trust'), { Version: '2008-10-17' })),
    accepts('trust, no Version', 'trust', doc(st('trust'), { Version: undefined })),
    accepts(
      'resource, Version 2008-10-17',
      'resource',
      doc(st('resource'), { Version: '2008-10-17' }),
    ),
    accepts('resource, no Version', 'resource', doc(st('resource'), { Version: undefined })),
    accepts('an Id', 'resource', doc(st('resource'), { Id: 'Policy1' })),
    // dates that parse
    ...[
      '2019-07-16T12:00:00Z',
      '2019-07-16T12:00:00.123Z',
      '2019-07-16T12:00:00+02:00',
      '2019-07-16',
      '2019',
      '1563278400',
    ].map((d) =>
      accepts(`date ${d}`, 'identity', condition({ DateGreaterThan: { 'aws:CurrentTime': d } })),
    ),
    accepts(
      'an epoch date as a number',
      'identity',
      condition({ DateLessThan: { 'aws:EpochTime': 1563278400 } }),
    ),
    accepts(
      'a non-date under StringEquals',
      'identity',
      condition({ StringEquals: { 'aws:CurrentTime': 'yesterday' } }),
    ),
    accepts('an empty date list', 'identity', condition({ DateEquals: { 'aws:CurrentTime': [] } })),
    // condition values of every JSON type
    accepts(
      'numbers and booleans as condition values',
      'identity',
      condition({
        NumericLessThan: { 's3:max-keys': 10.0 },
        Bool: { 'aws:SecureTransport': true },
      }),
    ),
    accepts('an unknown operator with an empty map', 'identity', condition({ NoSuchOperator: {} })),
    // resources
    ...iamPaths.map((p) =>
      accepts(`IAM path ${p}`, 'identity', resource(`arn:aws:iam::${ACCOUNT}:${p}`)),
    ),
    accepts('IAM wildcard account', 'identity', resource('arn:aws:iam::*:role/r')),
    accepts(
      'S3 access point with a region',
      'identity',
      resource(`arn:aws:s3:us-east-1:${ACCOUNT}:accesspoint/ap/object/*`),
    ),
    accepts(
      'S3 access point, any region',
      'identity',
      resource(`arn:aws:s3:*:${ACCOUNT}:accesspoint/*`),
    ),
    accepts('S3 bucket and objects', 'identity', resource(['arn:aws:s3:::b', 'arn:aws:s3:::b/*'])),
    accepts('fewer than six parts without ::', 'identity', resource('arn:aws:sqs:*')),
    accepts('wildcard partition', 'identity', resource('arn:*:s3:::b')),
    accepts('aws-cn partition', 'identity', resource('arn:aws-cn:s3:::b')),
    accepts('aws-us-gov partition', 'identity', resource(`arn:aws-us-gov:iam::${ACCOUNT}:role/r`)),
    accepts(
      'a resource part with colons',
      'identity',
      resource(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:g:*`),
    ),
    accepts('a policy variable', 'identity', resource('arn:aws:s3:::b/${aws:username}/*')),
    accepts(
      'NotResource *',
      'identity',
      doc(st('identity', { Resource: undefined, NotResource: '*' })),
    ),
    accepts(
      'a resource policy without Resource',
      'resource',
      doc(st('resource', { Resource: undefined })),
    ),
    // actions
    ...[
      '*',
      '*:*',
      '*:GetObject',
      'S3:GETOBJECT',
      'execute-api:Invoke',
      'a.b:c',
      's3:*Object*',
      's3:Get?bject',
    ].map((a) => accepts(`action ${a}`, 'identity', action(a))),
    accepts(
      'NotAction',
      'identity',
      doc(st('identity', { Action: undefined, NotAction: ['iam:*', 'sts:*'] })),
    ),
    // trust actions
    ...[
      'sts:AssumeRole',
      'sts:AssumeRoleWithSAML',
      'sts:AssumeRoleWithWebIdentity',
      'sts:TagSession',
      'sts:SetSourceIdentity',
      'sts:*',
      '*',
      'STS:assumerole',
      ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
    ].map((a) => accepts(`trust action ${JSON.stringify(a)}`, 'trust', action(a, 'trust'))),
    // principals
    ...[
      '*',
      ACCOUNT,
      `arn:aws:iam::${ACCOUNT}:root`,
      `arn:aws:iam::${ACCOUNT}:user/alice`,
      `arn:aws:iam::${ACCOUNT}:role/app`,
      `arn:aws:iam::${ACCOUNT}:role/path/to/app`,
      `arn:aws:sts::${ACCOUNT}:assumed-role/app/session`,
      `arn:aws:sts::${ACCOUNT}:federated-user/bob`,
      `arn:aws-cn:iam::${ACCOUNT}:root`,
      'AROAEXAMPLEEXAMPLE1234',
      [ACCOUNT, `arn:aws:iam::${ACCOUNT}:role/app`],
    ].map((p) => accepts(`AWS principal ${JSON.stringify(p)}`, 'trust', principal({ AWS: p }))),
    ...[
      OIDC,
      `arn:aws:iam::${ACCOUNT}:saml-provider/okta`,
      'accounts.google.com',
      'cognito-identity.amazonaws.com',
      'graph.facebook.com',
      'www.amazon.com',
    ].map((f) => accepts(`Federated principal ${f}`, 'trust', principal({ Federated: f }))),
    ...[
      'ec2.amazonaws.com',
      'pods.eks.amazonaws.com',
      'ecs-tasks.amazonaws.com',
      'ec2.amazonaws.com.cn',
    ].map((s) => accepts(`Service principal ${s}`, 'trust', principal({ Service: s }))),
    accepts('CanonicalUser', 'resource', principal({ CanonicalUser: 'a'.repeat(64) }, 'resource')),
    accepts('Principal * in a resource policy', 'resource', principal('*', 'resource')),
    accepts('Principal {"AWS":"*"} in an RCP', 'rcp', principal({ AWS: '*' }, 'rcp')),
    accepts('SCP Allow *', 'scp', doc({ Effect: 'Allow', Action: '*', Resource: '*' })),
    accepts(
      'an SCP with NotAction',
      'scp',
      doc(st('scp', { Action: undefined, NotAction: 'iam:*' })),
    ),
  ])('%s', (_what, type, text) => {
    expect(messages(text, type)).toEqual([]);
  });
});

describe.each([
  // A Service principal that IAM rejects comes back with the kind in capitals: reported from
  // real AWS as `Invalid principal in policy: "SERVICE":"amazonaws.com"` and `"SERVICE":""`
  // (aws-samples/aws-cdk-examples#801, aws-cdk ServicePrincipal issue), unlike "AWS":"…".
  ['ec2'],
  [''],
])('validatePolicy: invalid Service principal %j', (v) => {
  it('is reported as "SERVICE"', () => {
    const first = firstProblem(problems(doc(st('trust', { Principal: { Service: v } })), 'trust'));
    expectFirst(first, invalidPrincipal('SERVICE', v));
  });
});

describe('validatePolicy: principalExists', () => {
  const gone = `arn:aws:iam::${ACCOUNT}:role/deleted`;

  it('rejects a principal that does not exist, naming it', () => {
    const text = doc(st('trust', { Principal: { AWS: [ACCOUNT, gone] } }));
    const first = firstProblem(problems(text, 'trust', { principalExists: (_k, v) => v !== gone }));
    expectFirst(first, `Invalid principal in policy: "AWS":"${gone}"`);
    expect(first?.detail).toContain('does not exist');
  });

  it('rejects a missing OIDC provider', () => {
    const first = firstProblem(
      problems(doc(st('trust')), 'trust', { principalExists: (kind) => kind !== 'Federated' }),
    );
    expectFirst(first, `Invalid principal in policy: "Federated":"${OIDC}"`);
  });

  it('checks resource-policy principals and NotPrincipal too', () => {
    const text = doc(
      st('resource', { Effect: 'Deny', Principal: undefined, NotPrincipal: { AWS: gone } }),
    );
    expectFirst(
      firstProblem(problems(text, 'resource', { principalExists: () => false })),
      invalidPrincipal('AWS', gone),
    );
  });

  it('is asked about each well-formed value, with its kind', () => {
    const calls: [PrincipalKind, string][] = [];
    const text = doc(
      st('trust', {
        Principal: {
          AWS: [`arn:aws:iam::${ACCOUNT}:role/a`, 'arn:aws:iam::*:role/malformed'],
          Federated: OIDC,
          Service: 'pods.eks.amazonaws.com',
        },
      }),
    );
    problems(text, 'trust', {
      principalExists: (kind, value) => {
        calls.push([kind, value]);
        return true;
      },
    });
    expect(calls).toEqual([
      ['AWS', `arn:aws:iam::${ACCOUNT}:role/a`],
      ['Federated', OIDC],
      ['Service', 'pods.eks.amazonaws.com'],
    ]);
  });

  it('accepts when every principal exists', () => {
    expect(problems(doc(st('trust')), 'trust', { principalExists: () => true })).toEqual([]);
  });

  it('is not asked in evaluate mode', () => {
    let asked = false;
    const p = problems(doc(st('trust')), 'trust', {
      mode: 'evaluate',
      principalExists: () => {
        asked = true;
        return false;
      },
    });
    expect(p).toEqual([]);
    expect(asked).toBe(false);
  });
});

describe('validatePolicy: size quotas', () => {
  it.each([
    ['identity at 6144', 'identity', identityOf(6144)],
    ['boundary at 6144', 'boundary', identityOf(6144)],
    ['trust at 2048', 'trust', trustOf(2048)],
    ['scp at 5120', 'scp', scpOf(5120)],
    ['rcp at 5120', 'rcp', rcpOf(5120)],
    ['identity of 6000 padded with 20000 whitespace', 'identity', padded(identityOf(6000), 20000)],
    [
      'identity of 6144, pretty-printed',
      'identity',
      JSON.stringify(JSON.parse(identityOf(6144)), null, 8),
    ],
    ['trust of 2000 padded with 4000 whitespace', 'trust', padded(trustOf(2000), 4000)],
    ['scp of 5000 and 120 spaces', 'scp', padded(scpOf(5000), 120)],
    ['rcp of 5000 and 120 spaces', 'rcp', padded(rcpOf(5000), 120)],
    [
      'resource of 30000 (no default quota)',
      'resource',
      sized(30000, (pad) => ({
        Version: '2012-10-17',
        Statement: st('resource', { Resource: `arn:aws:s3:::b/${pad}` }),
      })),
    ],
  ] as const)('accepts %s', (_what, type, text) => {
    expect(messages(text, type)).toEqual([]);
  });

  it('counts whitespace-padded identity policies by their characters only', () => {
    const text = padded(identityOf(6145), 8000);
    expectFirst(firstProblem(problems(text, 'identity')), managedSize(6144), 'LimitExceeded', 409);
  });

  it.each([
    ['identity', identityOf(6145), { sizeLimit: 10240 }],
    ['trust', trustOf(3000), { sizeLimit: 4096 }],
    ['identity', identityOf(50000), { sizeLimit: null }],
    ['trust', trustOf(50000), { sizeLimit: null }],
    ['scp', scpOf(50000), { sizeLimit: null }],
  ] as const)('lets sizeLimit raise or disable the %s quota', (type, text, options) => {
    expect(messages(text, type, options)).toEqual([]);
  });

  it('names the quota and the size in the detail', () => {
    const p = problems(identityOf(6200), 'identity')[0];
    expect(p?.detail).toBe('the policy is 6200 characters; the quota is 6144');
  });

  it.each([
    ['identity', { limit: 6144, whitespace: false }],
    ['boundary', { limit: 6144, whitespace: false }],
    ['trust', { limit: 2048, whitespace: false }],
    ['scp', { limit: 5120, whitespace: true }],
    ['rcp', { limit: 5120, whitespace: true }],
  ] as const)('sizeQuota(%s)', (type, quota) => {
    expect(sizeQuota(type)).toEqual(quota);
  });

  it('policySize skips spaces, tabs, CR and LF unless whitespace counts', () => {
    const text = '{ "a" :\t"b c" }\r\n';
    expect(policySize(text, false)).toBe(10);
    expect(policySize(text, true)).toBe(17);
  });
});

describe("validatePolicy: mode 'evaluate'", () => {
  const evaluate: ValidateOptions = { mode: 'evaluate' };

  it('skips the save-only checks of an identity policy', () => {
    const text = doc(
      [
        { Sid: 'a-b', Effect: 'allow', Action: 's3', Resource: 'bucket', Principal: '*' },
        { Sid: 'a-b', Effect: 'Deny', Action: 'a:b:c', Resource: 'arn:aws:s3::b' },
        {
          Effect: 'Allow',
          Action: '*',
          Condition: { DateLessThan: { 'aws:CurrentTime': 'soon' } },
        },
        {
          Effect: 'Allow',
          Action: 's3:*',
          Resource: `arn:aws:iam:us-east-1:${ACCOUNT}:x/${'y'.repeat(7000)}`,
        },
      ],
      { Version: '2008-10-17' },
    );
    expect(messages(text, 'identity', evaluate)).toEqual([]);
    // the same document in save mode has plenty to say
    expect(messages(text, 'identity').slice(0, 2)).toEqual([TEXT.version, TEXT.legacy]);
  });

  it('skips the save-only checks of a trust policy', () => {
    const text = doc(
      [
        st('trust', {
          Sid: 'x',
          Action: 's3:GetObject',
          Principal: { AWS: 'arn:aws:iam::*:role/x' },
        }),
      ],
      { Version: undefined },
    );
    expect(messages(padded(text, 4000), 'trust', evaluate)).toEqual([]);
    expect(messages(trustOf(5000), 'trust', evaluate)).toEqual([]);
  });

  it.each(POLICY_TYPES)('keeps "must contain actions" for %s', (type) => {
    const text = doc(st(type, { Action: undefined, Effect: 'allow' }), { Version: '2008-10-17' });
    expectFirst(firstProblem(problems(text, type, evaluate)), TEXT.needActions);
  });

  it.each(['trust', 'resource', 'rcp'] as const)(
    'keeps "Missing required field Principal" for %s',
    (type) => {
      const text = doc(st(type, { Principal: undefined }), { Version: undefined });
      expect(messages(text, type, evaluate)).toEqual([TEXT.needPrincipal]);
    },
  );
});

describe('validatePolicy: the order IAM reports problems in', () => {
  // The first problem is what IAM reports. Order (spec §13 and the emulators): Version, legacy
  // parsing, Sids, actions present, resource formats, action vendors, then what the type
  // requires or forbids.
  const S = (changes: Statement = {}) => st('identity', changes);
  const T = (changes: Statement = {}) => st('trust', changes);

  it.each([
    [
      'Version before legacy parsing',
      'identity',
      doc(S({ Effect: 'allow' }), { Version: undefined }),
      TEXT.version,
    ],
    [
      'Version before everything else',
      'identity',
      doc([S({ Sid: 'a', Action: 's3' }), S({ Sid: 'a', Resource: 'bucket', Principal: '*' })], {
        Version: '2008-10-17',
      }),
      TEXT.version,
    ],
    [
      'legacy Effect before Sid',
      'identity',
      doc([S({ Sid: 'A' }), S({ Sid: 'A', Effect: 'deny' })]),
      TEXT.legacy,
    ],
    [
      'legacy date before Sid',
      'identity',
      doc([
        S({ Sid: 'A' }),
        S({ Sid: 'A', Condition: { DateEquals: { 'aws:CurrentTime': 'x' } } }),
      ]),
      TEXT.legacy,
    ],
    [
      'legacy resource before Sid',
      'identity',
      doc([S({ Sid: 'A' }), S({ Sid: 'A', Resource: 'arn:aws:s3::b' })]),
      TEXT.legacy,
    ],
    [
      'legacy Effect before a resource format in an earlier statement',
      'identity',
      doc([S({ Resource: 'bucket' }), S({ Effect: 'allow' })]),
      TEXT.legacy,
    ],
    [
      'a resource format in an earlier statement before a legacy resource',
      'identity',
      doc([S({ Resource: 'bucket' }), S({ Resource: 'arn:aws:s3::b' })]),
      resourceArn('bucket'),
    ],
    [
      'a legacy resource in an earlier statement before a resource format',
      'identity',
      doc([S({ Resource: 'arn:aws:s3::b' }), S({ Resource: 'bucket' })]),
      TEXT.legacy,
    ],
    [
      'Sid uniqueness before actions',
      'identity',
      doc([S({ Sid: 'A' }), S({ Sid: 'A', Action: undefined })]),
      TEXT.sidUnique,
    ],
    [
      'actions before a resource format in an earlier statement',
      'identity',
      doc([S({ Resource: 'bucket' }), S({ Action: undefined })]),
      TEXT.needActions,
    ],
    [
      'actions before an action vendor in an earlier statement',
      'identity',
      doc([S({ Action: 's3' }), S({ Action: [] })]),
      TEXT.needActions,
    ],
    [
      'resource format before action vendor',
      'identity',
      doc(S({ Action: 's3', Resource: 'bucket' })),
      resourceArn('bucket'),
    ],
    [
      'resource format in a later statement before action vendor',
      'identity',
      doc([S({ Action: 's3:a:b' }), S({ Resource: `arn:aws:iam:r:${ACCOUNT}:role/x` })]),
      iamRegion(`arn:aws:iam:r:${ACCOUNT}:role/x`),
    ],
    [
      'action vendor before resources',
      'identity',
      doc(S({ Action: 'GetObject', Resource: undefined })),
      TEXT.vendorPrefix,
    ],
    [
      'resource format before resources',
      'identity',
      doc([S({ Resource: 'arn:aws' }), S({ Resource: undefined })]),
      TEXT.vendorQualified,
    ],
    [
      'action vendor before principal',
      'identity',
      doc(S({ Action: 'GetObject', Principal: '*' })),
      TEXT.vendorPrefix,
    ],
    [
      'trust: no Version requirement, legacy first',
      'trust',
      doc(T({ Effect: 'allow' }), { Version: undefined }),
      TEXT.legacy,
    ],
    [
      'trust: legacy before prohibited Resource',
      'trust',
      doc(T({ Effect: 'allow', Resource: '*' })),
      TEXT.legacy,
    ],
    [
      'trust: Sid before prohibited Resource',
      'trust',
      doc([T({ Sid: 'A' }), T({ Sid: 'A', Resource: '*' })]),
      TEXT.sidUnique,
    ],
    [
      'trust: actions before prohibited Resource',
      'trust',
      doc(T({ Action: undefined, Resource: '*' })),
      TEXT.needActions,
    ],
    [
      'trust: resource format before prohibited Resource',
      'trust',
      doc(T({ Resource: 'bucket' })),
      resourceArn('bucket'),
    ],
    [
      'trust: action vendor before trust actions',
      'trust',
      doc(T({ Action: 'AssumeRole' })),
      TEXT.vendorPrefix,
    ],
    [
      'trust: action vendor before prohibited Resource',
      'trust',
      doc(T({ Action: 'a:b:c', Resource: '*' })),
      TEXT.oneColon,
    ],
    ['rcp: legacy before Deny-only', 'rcp', doc(st('rcp', { Effect: 'allow' })), TEXT.legacy],
  ] as const)('%s', (_what, type, text, expected) => {
    expectFirst(firstProblem(problems(text, type)), expected);
  });

  it('returns every problem, in order', () => {
    const text = doc(
      [
        S({ Sid: 'A', Effect: 'allow' }),
        S({ Sid: 'A', Action: 's3', Resource: 'bucket' }),
        { Effect: 'Allow' },
      ],
      { Version: undefined },
    );
    const all = problems(text, 'identity');
    expect(all.map((p) => p.message)).toEqual([
      TEXT.version,
      TEXT.legacy,
      TEXT.sidUnique,
      TEXT.needActions,
      resourceArn('bucket'),
      TEXT.vendorPrefix,
      TEXT.needResources,
    ]);
    expect(firstProblem(all)).toBe(all[0]);
    expect(all.every((p) => p.code === 'MalformedPolicyDocument' && p.httpStatus === 400)).toBe(
      true,
    );
  });

  it('reports size after the document problems', () => {
    const text = identityOf(7000).replace('"Allow"', '"allow"');
    expect(messages(text, 'identity')).toEqual([TEXT.legacy, managedSize(6144)]);
  });

  it('firstProblem is undefined when there is none', () => {
    expect(firstProblem([])).toBeUndefined();
  });
});

describe('validatePolicy: details and spans', () => {
  it('points at the offending value', () => {
    const text =
      '{\n  "Version": "2012-10-17",\n  "Statement": {\n    "Effect": "Allow",\n    "Action": "s3:GetObject",\n    "Resource": ["arn:aws:s3:::b", "bucket"]\n  }\n}';
    const p = firstProblem(problems(text, 'identity'));
    expectFirst(p, resourceArn('bucket'));
    expect(p?.span).toMatchObject({ line: 6, column: 36 });
  });

  it('points at the Effect key for legacy parsing', () => {
    const text =
      '{"Version": "2012-10-17",\n"Statement": {"Action": "s3:*", "Resource": "*",\n  "Effect": "allow"}}';
    expect(firstProblem(problems(text, 'identity'))?.span).toMatchObject({ line: 3, column: 3 });
  });

  it('points at the principal value', () => {
    const text = `{"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",\n "Principal": {"AWS": "arn:aws:iam::*:role/x"}}}`;
    expect(firstProblem(problems(text, 'trust'))?.span).toMatchObject({ line: 2, column: 23 });
  });

  it('explains in irsakit’s words', () => {
    const p = firstProblem(problems(doc(st('identity', { Sid: 'x', Principal: '*' })), 'identity'));
    expect(p?.message).toBe(TEXT.noPrincipal);
    expect(p?.detail).toBe(
      'statement `x` names a principal; identity policies apply to whoever they are attached to',
    );
  });
});

describe('loadPolicy', () => {
  it('reports the first problem IAM would report', () => {
    const r = loadPolicy(doc(st('trust', { Resource: '*' })), 'trust', { id: 'p' });
    expect(r.ok).toBe(false);
    if (!r.ok) expectFirst(r.error, TEXT.prohibitedResource);
  });

  it('reports unparseable trust policies as invalid Json', () => {
    const r = loadPolicy('{"Version": "2012-10-17",}', 'trust', { id: 'p' });
    if (r.ok) throw new Error('expected an error');
    expectFirst(r.error, TEXT.invalidJson);
  });

  it('reports unparseable identity policies as syntax errors', () => {
    const r = loadPolicy('{"Version": "2012-10-17",}', 'identity', { id: 'p' });
    if (r.ok) throw new Error('expected an error');
    expectFirst(r.error, TEXT.syntax);
  });

  it('compiles a valid policy', () => {
    const r = loadPolicy(JSON.parse(doc(st('identity'))), 'identity', { id: 'p' });
    expect(r.ok).toBe(true);
  });
});
