/**
 * The record builder against spec/aws-wire.md §11's example records, field for field: the
 * successful AssumeRoleWithWebIdentity of §11.3 and the denied S3 GetObject of §11.4, the
 * refused exchange's CloudTrail wording, the identities of IAM users and the root user, the
 * defaults for a service that noted nothing, and the Query parameters in CloudTrail's shape.
 * Deviations from the examples are deliberate and named where they are applied.
 */
import { describe, expect, it, vi } from 'vitest';
import { AwsError } from '../common/aws-error.js';
import type { AwsCallEvent } from '../server/aws/edge.js';
import type { Route } from '../server/aws/request.js';
import type { CallContext, Caller } from '../server/aws/types.js';
import type { StsSession } from '../sts/types.js';
import { buildAuditEntry, resourceType } from './record.js';
import {
  cloudTrailElements,
  isSecretName,
  javaDate,
  queryRequestParameters,
  withoutSecrets,
} from './parameters.js';
import { sigv4Error } from '../sigv4/errors.js';

const ACCT = '111122223333';
const PROVIDER = `arn:aws:iam::${ACCT}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE`;
const ISS = 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE';
const SUB = 'system:serviceaccount:ns:sa';
const EVENT_ID = '6f3c1e52-1d55-4d5b-9a51-0c6a3d2b9e01';
const REQUEST_ID = 'c0b2a6e4-54a5-4b9e-9a36-2f2f1d0b7a11';

/** An unsigned compact JWT: the builder only decodes it. */
function jwt(claims: Record<string, unknown>): string {
  const b = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b({ alg: 'RS256', kid: 'k1' })}.${b(claims)}.c2lnbmF0dXJl`;
}
const TOKEN = jwt({ iss: ISS, sub: SUB, aud: 'sts.amazonaws.com', exp: 1795351810, jti: 'j-1' });

function ctx(over: Partial<CallContext> = {}): CallContext {
  return {
    requestId: REQUEST_ID,
    region: 'us-west-2',
    sourceIp: '10.0.1.23',
    userAgent: 'aws-sdk-js/3.998.2 ua/2.1',
    secureTransport: false,
    now: new Date('2026-11-22T10:50:10Z'),
    endpoint: 'http://127.0.0.1:4577',
    audit: {},
    decisions: [],
    ...over,
  };
}

function event(route: Route, c: CallContext, error?: AwsError): AwsCallEvent {
  return {
    requestId: c.requestId,
    route,
    ctx: c,
    method: 'POST',
    path: '/',
    status: error ? error.httpStatus : 200,
    error,
    ms: 2,
    known: true,
  };
}

function arwwiRoute(): Route {
  return {
    service: 'sts',
    protocol: 'query',
    operation: 'AssumeRoleWithWebIdentity',
    apiVersion: '2011-06-15',
    params: new Map([
      ['Action', 'AssumeRoleWithWebIdentity'],
      ['Version', '2011-06-15'],
      ['RoleArn', `arn:aws:iam::${ACCT}:role/app`],
      ['RoleSessionName', 'aws-sdk-js-session-1795344677674'],
      ['WebIdentityToken', TOKEN],
    ]),
  };
}

const session: StsSession = {
  v: 1,
  partition: 'aws',
  account: ACCT,
  roleArn: `arn:aws:iam::${ACCT}:role/app`,
  roleName: 'app',
  roleId: 'AROAEXAMPLEID1234567',
  rolePath: '/',
  sessionName: 'botocore-session-1795344610',
  issuedAt: Date.parse('2026-11-22T10:50:10Z') / 1000,
  expiresAt: Date.parse('2026-11-22T11:50:10Z') / 1000,
  chained: false,
  via: 'AssumeRoleWithWebIdentity',
  webIdentity: { providerArn: PROVIDER, sub: SUB, aud: 'sts.amazonaws.com', jti: 'j-1', kid: 'k1' },
};
const sessionCaller: Caller = {
  principal: {
    type: 'AssumedRole',
    id: `arn:aws:sts::${ACCT}:assumed-role/app/botocore-session-1795344610`,
    account: ACCT,
    partition: 'aws',
    roleArn: session.roleArn,
  },
  accessKeyId: 'ASIAEXAMPLEKEY123456',
  account: ACCT,
  userId: 'AROAEXAMPLEID1234567:botocore-session-1795344610',
  session,
};

describe('§11.3: a successful AssumeRoleWithWebIdentity', () => {
  const c = ctx({
    secureTransport: true,
    endpoint: 'https://sts.us-west-2.amazonaws.com',
    audit: {
      // what STS notes (src/sts/assume-role-with-web-identity.ts)
      responseElements: {
        credentials: { accessKeyId: 'ASIAEXAMPLEKEY123456', expiration: '2026-11-22T11:50:10Z' },
        subjectFromWebIdentityToken: SUB,
        assumedRoleUser: {
          assumedRoleId: 'AROAEXAMPLEID1234567:aws-sdk-js-session-1795344677674',
          arn: `arn:aws:sts::${ACCT}:assumed-role/app/aws-sdk-js-session-1795344677674`,
        },
        provider: PROVIDER,
        audience: 'sts.amazonaws.com',
      },
    },
  });
  const entry = buildAuditEntry(event(arwwiRoute(), c), { eventId: EVENT_ID });

  it('is the spec example, field for field', () => {
    const spec = {
      eventVersion: '1.08',
      userIdentity: {
        type: 'WebIdentityUser',
        principalId: `${PROVIDER}:sts.amazonaws.com:${SUB}`,
        userName: SUB,
        identityProvider: PROVIDER,
      },
      eventTime: '2026-11-22T10:50:10Z',
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRoleWithWebIdentity',
      awsRegion: 'us-west-2',
      sourceIPAddress: '10.0.1.23',
      userAgent: 'aws-sdk-js/3.998.2 ua/2.1',
      requestParameters: {
        roleArn: `arn:aws:iam::${ACCT}:role/app`,
        roleSessionName: 'aws-sdk-js-session-1795344677674',
      },
      responseElements: {
        credentials: {
          accessKeyId: 'ASIAEXAMPLEKEY123456',
          sessionToken: '…',
          expiration: 'Nov 22, 2026, 11:50:10 AM',
        },
        subjectFromWebIdentityToken: SUB,
        assumedRoleUser: {
          assumedRoleId: 'AROAEXAMPLEID1234567:aws-sdk-js-session-1795344677674',
          arn: `arn:aws:sts::${ACCT}:assumed-role/app/aws-sdk-js-session-1795344677674`,
        },
        provider: PROVIDER,
        audience: 'sts.amazonaws.com',
      },
      requestID: REQUEST_ID,
      eventID: EVENT_ID,
      readOnly: true,
      resources: [
        { accountId: ACCT, type: 'AWS::IAM::Role', ARN: `arn:aws:iam::${ACCT}:role/app` },
      ],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCT,
      eventCategory: 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: 'sts.us-west-2.amazonaws.com',
      },
    };
    // deliberate: the session token is never recorded; the edge does not know its TLS details
    delete (spec.responseElements.credentials as { sessionToken?: string }).sessionToken;
    spec.tlsDetails = {
      clientProvidedHostHeader: 'sts.us-west-2.amazonaws.com',
    } as typeof spec.tlsDetails;
    expect(entry.record).toEqual(spec);
  });

  it('keeps the token out, and indexes the service account and the issued key', () => {
    expect(JSON.stringify(entry)).not.toContain(TOKEN.split('.')[1]);
    expect(entry.index).toMatchObject({
      username: SUB,
      accessKeyId: 'ASIAEXAMPLEKEY123456',
      roleName: 'app',
      namespace: 'ns',
      serviceAccount: 'sa',
    });
    expect(entry.explanation.outcome).toBe('allowed');
    expect(entry.explanation.chain.map((h) => `${h.hop}:${h.status}`)).toEqual([
      'pod:ok',
      'token:ok',
      'provider:ok',
      'trust:ok',
      'session:ok',
    ]);
  });
});

describe('§11.3: a refused AssumeRoleWithWebIdentity', () => {
  it('has the same identity, "An unknown error occurred", and no responseElements', () => {
    const err = new AwsError(
      'AccessDenied',
      403,
      'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      {
        detail: {
          check: 'trust',
          action: 'sts:AssumeRoleWithWebIdentity',
          resource: `arn:aws:iam::${ACCT}:role/app`,
          principal: PROVIDER,
          sub: SUB,
          summary: 'no role trust policy allows …',
        },
      },
    );
    const r = buildAuditEntry(event(arwwiRoute(), ctx(), err), { eventId: EVENT_ID }).record;
    expect(r.userIdentity).toEqual({
      type: 'WebIdentityUser',
      principalId: `${PROVIDER}:sts.amazonaws.com:${SUB}`,
      userName: SUB,
      identityProvider: PROVIDER,
    });
    expect(r.errorCode).toBe('AccessDenied');
    expect(r.errorMessage).toBe('An unknown error occurred');
    expect(r.requestParameters).toEqual({
      roleArn: `arn:aws:iam::${ACCT}:role/app`,
      roleSessionName: 'aws-sdk-js-session-1795344677674',
    });
    expect(r.responseElements).toBeNull();
    expect(r.recipientAccountId).toBe(ACCT);
  });

  it('names the provider from the token when the token never got that far', () => {
    const err = new AwsError('InvalidIdentityToken', 400, 'Incorrect token audience', {
      detail: { check: 'audience', expected: ['sts.amazonaws.com'], actual: 'sts.amazon.com' },
    });
    const route = arwwiRoute();
    route.params?.set('WebIdentityToken', jwt({ iss: ISS, sub: SUB, aud: 'sts.amazon.com' }));
    const e = buildAuditEntry(event(route, ctx(), err), { eventId: EVENT_ID });
    expect(e.record.userIdentity).toEqual({
      type: 'WebIdentityUser',
      principalId: `${PROVIDER}:sts.amazon.com:${SUB}`,
      userName: SUB,
      identityProvider: PROVIDER,
    });
    expect(e.record.errorMessage).toBe('Incorrect token audience');
    expect(e.explanation).toMatchObject({
      outcome: 'denied',
      hop: 'provider',
      claim: 'aud',
      expected: ['sts.amazonaws.com'],
      actual: 'sts.amazon.com',
      didYouMean: 'sts.amazonaws.com',
    });
  });
});

describe('§11.4: an S3 GetObject refused to an IRSA session', () => {
  it('is the spec example, field for field', () => {
    const c = ctx({
      caller: sessionCaller,
      requestId: '4442587FB7D0A2F9',
      now: new Date('2026-11-22T10:51:00Z'),
      userAgent: 'aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1',
      secureTransport: true,
      endpoint: 'https://b.s3.us-west-2.amazonaws.com',
      auth: { kind: 'header', accessKeyId: 'ASIAEXAMPLEKEY123456', presigned: false },
      // what an S3 service notes
      audit: {
        eventName: 'GetObject',
        readOnly: true,
        eventCategory: 'Data',
        requestParameters: { bucketName: 'b', Host: 'b.s3.us-west-2.amazonaws.com', key: 'k' },
        resources: [
          { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::b/k' },
          { accountId: ACCT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::b' },
        ],
        additionalEventData: {
          SignatureVersion: 'SigV4',
          CipherSuite: 'TLS_AES_128_GCM_SHA256',
          bytesTransferredIn: 0,
          AuthenticationMethod: 'AuthHeader',
          'x-amz-id-2': '4442587FB7D0A2F9',
          bytesTransferredOut: 243,
        },
      },
    });
    const e = buildAuditEntry(
      {
        ...event(
          { service: 's3', protocol: 'rest-xml' },
          c,
          new AwsError('AccessDenied', 403, 'Access Denied'),
        ),
        method: 'GET',
        path: '/b/k',
      },
      { eventId: EVENT_ID },
    );
    expect(e.record).toEqual({
      eventVersion: '1.10',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLEID1234567:botocore-session-1795344610',
        arn: `arn:aws:sts::${ACCT}:assumed-role/app/botocore-session-1795344610`,
        accountId: ACCT,
        accessKeyId: 'ASIAEXAMPLEKEY123456',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLEID1234567',
            arn: `arn:aws:iam::${ACCT}:role/app`,
            accountId: ACCT,
            userName: 'app',
          },
          webIdFederationData: { federatedProvider: PROVIDER, attributes: {} },
          attributes: { creationDate: '2026-11-22T10:50:10Z', mfaAuthenticated: 'false' },
        },
      },
      eventTime: '2026-11-22T10:51:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      awsRegion: 'us-west-2',
      sourceIPAddress: '10.0.1.23',
      userAgent: '[aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1]',
      errorCode: 'AccessDenied',
      errorMessage: 'Access Denied',
      requestParameters: { bucketName: 'b', Host: 'b.s3.us-west-2.amazonaws.com', key: 'k' },
      responseElements: null,
      additionalEventData: {
        SignatureVersion: 'SigV4',
        CipherSuite: 'TLS_AES_128_GCM_SHA256',
        bytesTransferredIn: 0,
        AuthenticationMethod: 'AuthHeader',
        'x-amz-id-2': '4442587FB7D0A2F9',
        bytesTransferredOut: 243,
      },
      requestID: '4442587FB7D0A2F9',
      eventID: EVENT_ID,
      readOnly: true,
      resources: [
        { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::b/k' },
        { accountId: ACCT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::b' },
      ],
      eventType: 'AwsApiCall',
      managementEvent: false,
      recipientAccountId: ACCT,
      eventCategory: 'Data',
      // the edge knows the Host it was reached by, not the TLS version and cipher
      tlsDetails: { clientProvidedHostHeader: 'b.s3.us-west-2.amazonaws.com' },
    });
    expect(e.index).toMatchObject({
      username: 'botocore-session-1795344610',
      roleName: 'app',
      namespace: 'ns',
      serviceAccount: 'sa',
    });
  });
});

describe('identities and defaults', () => {
  it('an IAM user: IAMUser with its AIDA id and user name; IAM events are in us-east-1', () => {
    const user: Caller = {
      principal: {
        type: 'User',
        id: `arn:aws:iam::${ACCT}:user/admin`,
        account: ACCT,
        partition: 'aws',
      },
      accessKeyId: 'AKIAEXAMPLEKEY123456',
      account: ACCT,
      userId: 'AIDAEXAMPLEUSER12345',
    };
    const route: Route = {
      service: 'iam',
      protocol: 'query',
      operation: 'CreateRole',
      params: new Map([
        ['Action', 'CreateRole'],
        ['RoleName', 'app'],
        ['AssumeRolePolicyDocument', '{}'],
        ['MaxSessionDuration', '7200'],
        ['Tags.member.1.Key', 'team'],
        ['Tags.member.1.Value', 'a'],
      ]),
    };
    const c = ctx({
      caller: user,
      audit: {
        responseElements: {
          Role: {
            RoleName: 'app',
            CreateDate: new Date('2026-11-22T10:50:10Z'),
            Description: undefined,
          },
        },
      },
    });
    const r = buildAuditEntry(event(route, c), { eventId: EVENT_ID }).record;
    expect(r.userIdentity).toEqual({
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLEUSER12345',
      arn: `arn:aws:iam::${ACCT}:user/admin`,
      accountId: ACCT,
      accessKeyId: 'AKIAEXAMPLEKEY123456',
      userName: 'admin',
    });
    expect(r.awsRegion).toBe('us-east-1');
    expect(r.readOnly).toBe(false);
    expect(r.requestParameters).toEqual({
      roleName: 'app',
      assumeRolePolicyDocument: '{}',
      maxSessionDuration: 7200,
      tags: [{ key: 'team', value: 'a' }],
    });
    expect(r.responseElements).toEqual({
      role: { roleName: 'app', createDate: 'Nov 22, 2026, 10:50:10 AM' },
    });
  });

  it('the root user; GetCallerIdentity is read-only with null responseElements', () => {
    const root: Caller = {
      principal: {
        type: 'Account',
        id: `arn:aws:iam::${ACCT}:root`,
        account: ACCT,
        partition: 'aws',
      },
      accessKeyId: 'AKIAROOTKEY123456789',
      account: ACCT,
      userId: ACCT,
    };
    const r = buildAuditEntry(
      event(
        {
          service: 'sts',
          protocol: 'query',
          operation: 'GetCallerIdentity',
          params: new Map([['Action', 'GetCallerIdentity']]),
        },
        ctx({ caller: root }),
      ),
      { eventId: EVENT_ID },
    ).record;
    expect(r.userIdentity).toEqual({
      type: 'Root',
      principalId: ACCT,
      arn: `arn:aws:iam::${ACCT}:root`,
      accountId: ACCT,
      accessKeyId: 'AKIAROOTKEY123456789',
    });
    expect(r).toMatchObject({ readOnly: true, requestParameters: null, responseElements: null });
  });

  it('an expired session is filed under its role, and the why says whose session ended when', () => {
    const session = {
      arn: `arn:aws:sts::${ACCT}:assumed-role/lab-role/s1`,
      roleArn: `arn:aws:iam::${ACCT}:role/lab-role`,
      expiredAt: '2026-11-22T10:45:00Z',
    };
    const err = sigv4Error('iam', {
      kind: 'ExpiredToken',
      accessKeyId: 'ASIAEXPIREDKEY123456',
      reason: `the session token of ASIAEXPIREDKEY123456 (session ${session.arn}) expired at ${session.expiredAt}`,
      session,
    });
    const e = buildAuditEntry(
      event(
        { service: 'iam', protocol: 'query', operation: 'ListRoles', params: new Map() },
        ctx(),
        err,
      ),
      { eventId: EVENT_ID },
    );
    expect(e.record.errorCode).toBe('ExpiredToken');
    expect(e.index).toMatchObject({ roleName: 'lab-role', roleArn: session.roleArn });
    expect(e.explanation.summary).toContain('(session arn:aws:sts::');
    expect(e.explanation.summary).toContain('expired at 2026-11-22T10:45:00Z');
  });

  it('a service that noted nothing: <service>.amazonaws.com, the operation, null parameters', () => {
    const r = buildAuditEntry(
      event(
        { service: 'sqs', protocol: 'json', operation: 'SendMessage' },
        ctx({ caller: sessionCaller }),
      ),
      { eventId: EVENT_ID },
    ).record;
    expect(r).toMatchObject({
      eventSource: 'sqs.amazonaws.com',
      eventName: 'SendMessage',
      requestParameters: null,
      responseElements: null,
      readOnly: false,
      eventCategory: 'Management',
      managementEvent: true,
    });
  });

  it('an EKS REST call is named from its method and path', () => {
    const r = buildAuditEntry(
      {
        ...event({ service: 'eks', protocol: 'rest-json' }, ctx({ caller: sessionCaller })),
        method: 'GET',
        path: '/clusters/demo',
      },
      { eventId: EVENT_ID },
    ).record;
    expect(r.eventName).toBe('DescribeCluster');
    expect(r.eventSource).toBe('eks.amazonaws.com');
  });

  it('a Pod Identity exchange is indexed under its pod’s role and service account, not in the record', () => {
    const role = `arn:aws:iam::${ACCT}:role/team/pi-role`;
    const route: Route = {
      service: 'eks-auth',
      protocol: 'rest-json',
      operation: 'AssumeRoleForPodIdentity',
    };
    // as EKS Auth notes it (src/services/eks-auth/eks-auth.ts), for the node signing the call
    const c = ctx({
      caller: sessionCaller,
      audit: {
        eventName: 'AssumeRoleForPodIdentity',
        eventSource: 'eks-auth.amazonaws.com',
        requestParameters: { clusterName: 'demo' },
        exchange: { roleArn: role, namespace: 'production', serviceAccount: 'pi-app' },
      },
    });
    const ok = buildAuditEntry(event(route, c), { eventId: EVENT_ID });
    expect(ok.index).toMatchObject({
      roleArn: role,
      roleName: 'pi-role',
      namespace: 'production',
      serviceAccount: 'pi-app',
    });
    expect(JSON.stringify(ok.record)).not.toContain('pi-app');
    // refused for want of an association: the verified service account, no role
    const none = new AwsError('ResourceNotFoundException', 404, 'No Pod Identity Association');
    const refused = buildAuditEntry(
      event(
        route,
        ctx({ audit: { exchange: { namespace: 'production', serviceAccount: 'x' } } }),
        none,
      ),
      { eventId: EVENT_ID },
    );
    expect(refused.index).toMatchObject({ namespace: 'production', serviceAccount: 'x' });
    expect(refused.index.roleArn).toBeUndefined();
  });

  it('an unsigned S3 request is the anonymous AWSAccount; a refused signature is Unknown', () => {
    const anon = buildAuditEntry(
      { ...event({ service: 's3', protocol: 'rest-xml' }, ctx()), method: 'GET', path: '/b/k' },
      { eventId: EVENT_ID },
    ).record;
    expect(anon.userIdentity).toEqual({
      type: 'AWSAccount',
      principalId: '',
      accountId: 'ANONYMOUS_PRINCIPAL',
    });
    const bad = new AwsError(
      'InvalidClientTokenId',
      403,
      'The security token included in the request is invalid',
      {
        detail: { kind: 'UnknownKey', accessKeyId: 'AKIANOSUCHKEY1234567', reason: 'no such key' },
      },
    );
    const r = buildAuditEntry(
      event(
        { service: 'sts', protocol: 'query', operation: 'GetCallerIdentity', params: new Map() },
        ctx(),
        bad,
      ),
      { eventId: EVENT_ID, defaultAccount: '123456789012' },
    ).record;
    expect(r.userIdentity).toEqual({ type: 'Unknown', accessKeyId: 'AKIANOSUCHKEY1234567' });
    expect(r.recipientAccountId).toBe('123456789012');
    expect(r.errorCode).toBe('InvalidClientTokenId');
  });

  it('a call the explainer cannot explain: still recorded, the failure handed back, nothing printed', () => {
    const odd = new AwsError('SignatureDoesNotMatch', 403, 'The request signature …', {
      // a failure shape no verifier makes: explaining it throws
      detail: { kind: 'SignatureDoesNotMatch', reason: 'r', expected: { canonicalRequest: 42 } },
    });
    const stderr = vi.spyOn(process.stderr, 'write');
    const failures: unknown[] = [];
    try {
      const e = buildAuditEntry(
        event(
          { service: 'sts', protocol: 'query', operation: 'GetCallerIdentity', params: new Map() },
          ctx(),
          odd,
        ),
        { eventId: EVENT_ID, onExplainError: (err) => failures.push(err) },
      );
      expect(e.record.errorCode).toBe('SignatureDoesNotMatch');
      expect(e.explanation).toEqual({
        outcome: 'error',
        message: 'SignatureDoesNotMatch: The request signature …',
        summary: 'SignatureDoesNotMatch: The request signature …',
        chain: [],
      });
      expect(failures).toEqual([expect.any(TypeError)]);
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
    }
  });
});

describe('CloudTrail shapes', () => {
  it.each([
    ['2026-11-22T11:50:10Z', 'Nov 22, 2026, 11:50:10 AM'],
    ['2026-01-02T00:05:09Z', 'Jan 2, 2026, 12:05:09 AM'],
    ['2026-07-31T12:00:00Z', 'Jul 31, 2026, 12:00:00 PM'],
    ['2026-12-31T23:59:59Z', 'Dec 31, 2026, 11:59:59 PM'],
  ])('javaDate(%s) → %s', (iso, text) => {
    expect(javaDate(new Date(iso))).toBe(text);
  });

  it('Query parameters: camelCase, member lists, structures, no secrets, no envelope', () => {
    expect(
      queryRequestParameters(
        new Map([
          ['Action', 'AssumeRole'],
          ['Version', '2011-06-15'],
          ['RoleArn', 'arn:aws:iam::1:role/r'],
          ['DurationSeconds', '900'],
          ['PolicyArns.member.2.arn', 'arn:b'],
          ['PolicyArns.member.1.arn', 'arn:a'],
          ['ClientIDList.member.1', 'sts.amazonaws.com'],
          ['TokenCode', '123456'],
          ['WebIdentityToken', 'eyJ…'],
          ['SetAsDefault', 'true'],
        ]),
      ),
    ).toEqual({
      roleArn: 'arn:aws:iam::1:role/r',
      durationSeconds: 900,
      policyArns: [{ arn: 'arn:a' }, { arn: 'arn:b' }],
      clientIDList: ['sts.amazonaws.com'],
      setAsDefault: true,
    });
    expect(queryRequestParameters(new Map([['Action', 'GetCallerIdentity']]))).toBeNull();
  });

  it('a parameter named after a prototype is a parameter like any other, and reaches no prototype', () => {
    const params = queryRequestParameters(
      new Map([
        ['Action', 'GetCallerIdentity'],
        ['constructor.prototype.polluted', 'yes'],
        ['__proto__.polluted', 'yes'],
        ['Tags.__proto__.Key', 'k'],
        ['__value', 'v'],
        ['toString', 's'],
      ]),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(JSON.parse(JSON.stringify(params))).toEqual(
      JSON.parse(
        '{"constructor":{"prototype":{"polluted":"yes"}},"__proto__":{"polluted":"yes"},"tags":{"__proto__":{"key":"k"}},"__value":"v","toString":"s"}',
      ),
    );
    expect(cloudTrailElements(JSON.parse('{"__proto__":{"A":1}}'))).toEqual(
      JSON.parse('{"__proto__":{"a":1}}'),
    );
    expect(Object.getPrototypeOf(withoutSecrets(JSON.parse('{"__proto__":{"a":1}}')))).toBe(
      Object.prototype,
    );
  });

  it.each([
    ['arn:aws:iam::1:role/a/b', 'AWS::IAM::Role'],
    ['arn:aws:iam::1:oidc-provider/x/id/y', 'AWS::IAM::OIDCProvider'],
    ['arn:aws:s3:::b', 'AWS::S3::Bucket'],
    ['arn:aws:s3:::b/k/x', 'AWS::S3::Object'],
    ['arn:aws:sqs:us-east-1:1:q', 'AWS::SQS::Queue'],
    ['arn:aws:dynamodb:us-east-1:1:table/t', 'AWS::DynamoDB::Table'],
    ['arn:aws:secretsmanager:us-east-1:1:secret:s-AbCdEf', 'AWS::SecretsManager::Secret'],
    ['*', undefined],
  ])('resourceType(%s) → %s', (arn, type) => {
    expect(resourceType(arn)).toBe(type);
  });
});

describe('secrets never recorded', () => {
  it.each([
    ['WebIdentityToken', true],
    ['SAMLAssertion', true],
    ['TokenCode', true],
    ['Password', true],
    ['NewPassword', true],
    ['SecretAccessKey', true],
    ['SessionToken', true],
    ['X-Amz-Security-Token', true],
    ['secretString', true],
    ['SecretBinary', true],
    ['randomPassword', true],
    ['subjectFromWebIdentityToken', false],
    ['secretId', false],
    ['secretVersionsToStages', false],
    ['nextToken', false],
    ['clientRequestToken', false],
    ['accessKeyId', false],
    ['credentials', false],
  ])('%s → secret %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });
});
