import { describe, expect, it } from 'vitest';
import { type RawRequest, originForm, routeRequest } from './request.js';
import { XmlMap, renderQueryError, renderQueryResponse } from './query-xml.js';
import { AwsError } from '../../common/aws-error.js';

function raw(
  method: string,
  target: string,
  headers: [string, string][] = [],
  body = '',
): RawRequest {
  const q = target.indexOf('?');
  return {
    method,
    target,
    path: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? '' : target.slice(q + 1),
    rawHeaders: headers,
    body: Buffer.from(body),
    sourceIp: '127.0.0.1',
    secure: false,
  };
}
const form: [string, string] = ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'];

describe('routing (spec/aws-wire.md §6.2)', () => {
  it.each<
    [
      string,
      RawRequest,
      string | undefined,
      { service: string; protocol: string; operation?: string },
    ]
  >([
    [
      'signed STS by scope',
      raw('POST', '/', [form], 'Action=GetCallerIdentity&Version=2011-06-15'),
      'sts',
      { service: 'sts', protocol: 'query', operation: 'GetCallerIdentity' },
    ],
    [
      'signed IAM in any region',
      raw('POST', '/', [form], 'Action=GetRole&Version=2010-05-08&RoleName=r'),
      'iam',
      { service: 'iam', protocol: 'query', operation: 'GetRole' },
    ],
    [
      'unsigned web identity by form',
      raw('POST', '/', [form], 'Action=AssumeRoleWithWebIdentity&Version=2011-06-15'),
      undefined,
      { service: 'sts', protocol: 'query', operation: 'AssumeRoleWithWebIdentity' },
    ],
    [
      'query parameters in the URL',
      raw('GET', '/?Action=GetCallerIdentity&Version=2011-06-15'),
      undefined,
      { service: 'sts', protocol: 'query', operation: 'GetCallerIdentity' },
    ],
    [
      'SQS JSON by target',
      raw('POST', '/', [['X-Amz-Target', 'AmazonSQS.SendMessage']]),
      'sqs',
      { service: 'sqs', protocol: 'json', operation: 'SendMessage' },
    ],
    [
      'DynamoDB unsigned by target',
      raw('POST', '/', [['X-Amz-Target', 'DynamoDB_20120810.GetItem']]),
      undefined,
      { service: 'dynamodb', protocol: 'json', operation: 'GetItem' },
    ],
    [
      'CloudTrail as JS sends it',
      raw('POST', '/', [['X-Amz-Target', 'CloudTrail_20131101.LookupEvents']]),
      undefined,
      { service: 'cloudtrail', protocol: 'json', operation: 'LookupEvents' },
    ],
    [
      'EKS by scope',
      raw('GET', '/clusters/demo'),
      'eks',
      { service: 'eks', protocol: 'rest-json' },
    ],
    [
      'EKS Auth unsigned path',
      raw('POST', '/clusters/demo/assume-role-for-pod-identity'),
      undefined,
      { service: 'eks-auth', protocol: 'rest-json' },
    ],
    [
      'S3 with a form content type is still S3',
      raw('PUT', '/b/k', [form], 'Action=x'),
      's3',
      { service: 's3', protocol: 'rest-xml' },
    ],
    [
      'signed for S3, an X-Amz-Target is no JSON operation',
      raw('POST', '/', [['X-Amz-Target', 'DynamoDB_20120810.ListTables']]),
      's3',
      { service: 's3', protocol: 'rest-xml' },
    ],
    [
      'anything else is S3',
      raw('GET', '/my-bucket?list-type=2'),
      undefined,
      { service: 's3', protocol: 'rest-xml' },
    ],
  ])('%s', (_n, r, scope, expected) => {
    expect(routeRequest(r, scope)).toMatchObject(expected);
  });

  describe('a scope naming a service not served here: the other signals decide', () => {
    const SERVED = new Set(['sts', 'iam', 'sqs', 's3', 'dynamodb', 'eks', 'eks-auth']);
    const served = {
      has: (s: string) => SERVED.has(s),
      actionOwner: (a: string) =>
        ({ GetCallerIdentity: 'sts', ListRoles: 'iam', ListQueues: 'sqs' })[a] as
          string | undefined,
    };
    it.each<[string, RawRequest, string, Record<string, unknown> | undefined]>([
      [
        'a presigned S3 GET signed for s4 is S3’s',
        raw('GET', '/bucket/k1?X-Amz-Credential=AKID%2F20240501%2Fus-east-1%2Fs4%2Faws4_request'),
        's4',
        { service: 's3', protocol: 'rest-xml' },
      ],
      [
        'the STS form signed for ec2 is STS’s, by its Version',
        raw('POST', '/', [form], 'Action=GetCallerIdentity&Version=2011-06-15'),
        'ec2',
        { service: 'sts', protocol: 'query', operation: 'GetCallerIdentity' },
      ],
      [
        'an IAM form without a Version, by its operation',
        raw('POST', '/', [form], 'Action=ListRoles'),
        'ec2',
        { service: 'iam', protocol: 'query', operation: 'ListRoles' },
      ],
      [
        'an SQS form without a Version, by its operation',
        raw('GET', '/?Action=ListQueues'),
        'sns',
        { service: 'sqs', protocol: 'query', operation: 'ListQueues' },
      ],
      [
        'a DynamoDB target signed for dynamo',
        raw('POST', '/', [['X-Amz-Target', 'DynamoDB_20120810.ListTables']]),
        'dynamo',
        { service: 'dynamodb', protocol: 'json', operation: 'ListTables' },
      ],
      [
        'a DynamoDB target signed for sts (served, but contradicted)',
        raw('POST', '/', [['X-Amz-Target', 'DynamoDB_20120810.ListTables']]),
        'sts',
        { service: 'dynamodb', protocol: 'json', operation: 'ListTables' },
      ],
      [
        'the EKS Auth path signed for eks-auths',
        raw('POST', '/clusters/demo/assume-role-for-pod-identity'),
        'eks-auths',
        { service: 'eks-auth', protocol: 'rest-json' },
      ],
      [
        'a prototype name is not served',
        raw('POST', '/', [form], 'Action=keys&Version=2011-06-15'),
        'constructor',
        { service: 'sts', protocol: 'query', operation: 'keys' },
      ],
      // the scope stands
      [
        'a served scope nothing contradicts',
        raw('GET', '/clusters/demo'),
        'eks',
        { service: 'eks', protocol: 'rest-json' },
      ],
      [
        'signed for S3, an X-Amz-Target still is no JSON operation',
        raw('POST', '/', [['X-Amz-Target', 'DynamoDB_20120810.ListTables']]),
        's3',
        { service: 's3', protocol: 'rest-xml' },
      ],
      [
        'a target of a service not served either',
        raw('POST', '/', [['X-Amz-Target', 'Kinesis_20131202.ListStreams']]),
        'kinesis',
        { service: 'kinesis', protocol: 'json', operation: 'ListStreams' },
      ],
      [
        'an Action no served service has',
        raw('POST', '/', [form], 'Action=DescribeInstances&Version=2016-11-15'),
        'ec2',
        { service: 'ec2', protocol: 'query', operation: 'DescribeInstances' },
      ],
    ])('%s', (_n, r, scope, expected) => {
      expect(routeRequest(r, scope, served)).toMatchObject(expected as object);
    });

    it('without `served`, the scope alone routes (as before)', () => {
      expect(routeRequest(raw('GET', '/bucket/k1'), 's4')).toMatchObject({
        service: 's4',
        protocol: 'rest-json',
      });
    });
  });

  it('decodes form lists as the Query protocol sends them', () => {
    const r = routeRequest(
      raw(
        'POST',
        '/',
        [form],
        'Action=CreateOpenIDConnectProvider&Version=2010-05-08&Url=https%3A%2F%2Fx&ClientIDList.member.1=sts.amazonaws.com&Tags.member.1.Key=k+1',
      ),
      'iam',
    );
    expect(r.params?.get('Url')).toBe('https://x');
    expect(r.params?.get('ClientIDList.member.1')).toBe('sts.amazonaws.com');
    expect(r.params?.get('Tags.member.1.Key')).toBe('k 1');
  });
});

describe('Query XML', () => {
  it('renders results, lists, maps and timestamps', () => {
    const xml = renderQueryResponse(
      'iam',
      'ListX',
      {
        Items: ['a', 'b'],
        When: new Date('2026-11-22T10:00:00.123Z'),
        Ok: true,
        M: new XmlMap([['k', 'v']]),
        Skip: undefined,
        Nested: { A: 1 },
      },
      'rid',
    );
    expect(xml).toBe(
      '<ListXResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListXResult><Items><member>a</member><member>b</member></Items><When>2026-11-22T10:00:00Z</When><Ok>true</Ok><M><entry><key>k</key><value>v</value></entry></M><Nested><A>1</A></Nested></ListXResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></ListXResponse>\n',
    );
    expect(renderQueryResponse('sts', 'X', null, 'rid')).toBe(
      '<XResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></XResponse>\n',
    );
  });

  it('renders errors with Sender/Receiver and escaped text', () => {
    expect(
      renderQueryError(
        'sts',
        new AwsError(
          'InvalidIdentityToken',
          400,
          'No OpenIDConnect provider found in your account for https://a<b>',
        ),
        'rid',
      ),
    ).toBe(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>No OpenIDConnect provider found in your account for https://a&lt;b&gt;</Message></Error><RequestId>rid</RequestId></ErrorResponse>\n',
    );
    expect(renderQueryError('iam', new AwsError('ServiceFailure', 500, 'x'), 'r')).toContain(
      '<Type>Receiver</Type>',
    );
  });
});

describe('originForm', () => {
  it('makes an absolute-form target the origin form (RFC 9112 §3.2.2)', () => {
    expect(originForm('http://127.0.0.1:4577/my-bucket/k?x=1')).toBe('/my-bucket/k?x=1');
    expect(originForm('HTTPS://example.com')).toBe('/');
    expect(originForm('http://h?Action=GetCallerIdentity')).toBe('/?Action=GetCallerIdentity');
    expect(originForm('/already/origin?q')).toBe('/already/origin?q');
    expect(originForm('/http://not-absolute')).toBe('/http://not-absolute');
  });
});
