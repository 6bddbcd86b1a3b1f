import { describe, expect, it } from 'vitest';
import type { IrsaExplanation, TrailItem } from '../../audit/types.js';
import { generatePolicy } from '../../policy/generate.js';
import { refusalText, report, usageOf } from './policy.js';

const ROLE = 'arn:aws:iam::123456789012:role/app';

/** A trail item of one of the role's sessions, with the explanation given. */
function item(x: Partial<IrsaExplanation>): TrailItem {
  return {
    seq: 1,
    record: {
      userIdentity: {
        type: 'AssumedRole',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLE',
            arn: ROLE,
            accountId: '123456789012',
            userName: 'app',
          },
          attributes: { creationDate: '2026-01-01T00:00:00Z', mfaAuthenticated: 'false' },
        },
      },
    } as TrailItem['record'],
    irsaExplanation: { outcome: 'allowed', summary: '', chain: [], ...x },
  };
}

const refused = (
  action: string,
  resource: string,
  x: Partial<IrsaExplanation>,
  before: { action: string; resource: string }[] = [],
): TrailItem =>
  item({
    outcome: 'denied',
    action,
    resource,
    authorizations: [
      ...before.map((b) => ({ ...b, allowed: true })),
      { action, resource, allowed: false },
    ],
    ...x,
  });

describe('usageOf: what refused each call', () => {
  it('names the hop, and the explicit Deny with its policy set', () => {
    const put = ['s3:PutObject', 'arn:aws:s3:::b/k'] as const;
    const usage = usageOf(
      [
        refused(...put, {
          hop: 'resource',
          statement: {
            policy: 'arn:aws:s3:::b',
            policyType: 'resource',
            sid: 'NoPuts',
            index: 0,
            effect: 'Deny',
          },
        }),
        refused(...put, { hop: 'resource' }),
        refused(...put, { hop: 'boundary' }),
        refused(...put, { hop: 'session-policy' }),
        refused(...put, { hop: 'identity' }),
        refused('sqs:SendMessage', 'arn:aws:sqs:us-east-1:123456789012:q', { hop: 'resource' }),
        // a CopyObject: the source read was allowed, the write refused
        refused(...put, { hop: 'resource' }, [
          { action: 's3:GetObject', resource: 'arn:aws:s3:::a/k' },
        ]),
      ],
      ROLE,
    );
    expect(usage.map((u) => [u.action, u.allowed, u.count, u.refusedBy])).toEqual([
      [
        's3:PutObject',
        false,
        1,
        'an explicit Deny in the bucket policy: arn:aws:s3:::b statement `NoPuts` (#0)',
      ],
      ['s3:PutObject', false, 2, 'the bucket policy'],
      ['s3:PutObject', false, 1, 'the permissions boundary'],
      ['s3:PutObject', false, 1, 'the session policy'],
      ['s3:PutObject', false, 1, 'the role’s identity-based policies'],
      ['sqs:SendMessage', false, 1, 'the queue policy'],
      ['s3:GetObject', true, 1, undefined],
    ]);
    // another authorization than the explanation's is not described by it
    expect(
      refusalText(
        {
          outcome: 'denied',
          summary: '',
          chain: [],
          hop: 'resource',
          action: 's3:GetObject',
          resource: 'x',
        },
        { action: 's3:PutObject', resource: 'x' },
      ),
    ).toBeUndefined();
  });
});

describe('report', () => {
  it('lists every refused call with what refused it, even one the identity policies allow', () => {
    const usage = usageOf(
      [
        refused('s3:PutObject', 'arn:aws:s3:::b/k', {
          hop: 'resource',
          statement: {
            policy: 'arn:aws:s3:::b',
            policyType: 'resource',
            sid: 'NoPuts',
            index: 0,
            effect: 'Deny',
          },
        }),
      ],
      ROLE,
    );
    const r = generatePolicy(usage, {
      roleArn: ROLE,
      current: [
        {
          name: 'rw',
          document: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/k' }],
          },
        },
      ],
    });
    const text = report(r, ROLE, 1);
    expect(text).toContain(
      'irsa: refused, and left out of the generated policy (--include-denied grants them):\n' +
        '  - s3:PutObject on arn:aws:s3:::b/k (refused 1 time by an explicit Deny in the bucket policy: arn:aws:s3:::b statement `NoPuts` (#0); the role’s current policies allow it)',
    );
    expect(text).not.toContain('unused');
    expect(text).not.toContain('exactly');
  });

  it('says "exactly" only when the current grants are no wider than what was used', () => {
    const calls = [
      ['s3:GetObject', 'arn:aws:s3:::b/k'],
      ['sqs:SendMessage', 'arn:aws:sqs:us-east-1:123456789012:q'],
      ['dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:123456789012:table/t'],
      [
        'secretsmanager:GetSecretValue',
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf',
      ],
    ] as const;
    const usage = calls.map(([action, resource]) => ({
      action,
      resource,
      count: 1,
      allowed: true,
    }));
    const policy = (Action: unknown, Resource: unknown) => ({
      name: 'app',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource }] },
    });
    const wide = generatePolicy(usage, {
      roleArn: ROLE,
      current: [policy(['s3:*', 'sqs:*', 'dynamodb:*', 'secretsmanager:*'], '*')],
    });
    const text = report(wide, ROLE, 4);
    expect(text).not.toContain('exactly');
    expect(text).toContain(
      'irsa: broader in the role’s current policies than what was used:\n' +
        '  - app statement 0: `s3:*`, `sqs:*`, `dynamodb:*`, `secretsmanager:*` on `*`: used only ' +
        'dynamodb:GetItem on arn:aws:dynamodb:us-east-1:123456789012:table/t, s3:GetObject on arn:aws:s3:::b/k, ' +
        'secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf, ' +
        'sqs:SendMessage on arn:aws:sqs:us-east-1:123456789012:q; the generated policy narrows it',
    );
    const exact = generatePolicy(usage, {
      roleArn: ROLE,
      current: [
        policy(
          calls.map(([a]) => a),
          calls.map(([, r]) => r),
        ),
      ],
    });
    // each action on each of the resources: the current policy is wider in the pairs, not in
    // its patterns; it has no wildcard to narrow
    expect(report(exact, ROLE, 4)).toContain(
      'irsa: the current policies grant exactly what was used',
    );
  });
});
