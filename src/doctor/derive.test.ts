/**
 * The helpers doctor and `irsa exec` share: the role a ServiceAccount's pods get (annotation
 * first, then a pod's own AWS_ROLE_ARN) and how to get a pod admitted afresh.
 */
import { describe, expect, it } from 'vitest';
import { recreateFix, roleArnOf } from './derive.js';
import { admittedPod, serviceAccount } from './testing.js';

const ROLE = 'arn:aws:iam::123456789012:role/s3-app-role';
const OTHER = 'arn:aws:iam::123456789012:role/older-role';

describe('roleArnOf', () => {
  it('is the annotation when there is one, even when a pod says otherwise', () => {
    const pods = [admittedPod('old', serviceAccount({ 'eks.amazonaws.com/role-arn': OTHER }))];
    expect(roleArnOf(serviceAccount(), pods)).toEqual({ arn: ROLE, source: 'annotation' });
  });

  it('is a pod’s AWS_ROLE_ARN when the ServiceAccount names no role, or is not known', () => {
    const pods = [admittedPod('plain', serviceAccount({})), admittedPod('old', serviceAccount())];
    expect(roleArnOf(serviceAccount({}), pods)).toEqual({ arn: ROLE, source: 'pod' });
    expect(roleArnOf(undefined, pods)).toEqual({ arn: ROLE, source: 'pod' });
    expect(roleArnOf(null, pods)).toEqual({ arn: ROLE, source: 'pod' });
  });

  it('is undefined when neither says', () => {
    expect(roleArnOf(serviceAccount({}), [admittedPod('plain', serviceAccount({}))])).toBe(
      undefined,
    );
    expect(roleArnOf(undefined, [])).toBe(undefined);
  });
});

describe('recreateFix', () => {
  it('restarts a Deployment, re-creates a bare pod', () => {
    expect(recreateFix(admittedPod('p', serviceAccount(), { deployment: 's3-app' }), 'prod')).toBe(
      'irsa rollout restart deployment/s3-app -n prod',
    );
    expect(recreateFix(admittedPod('s3-reader', serviceAccount()), 'production')).toBe(
      're-create the pod: irsa delete pod s3-reader -n production, then irsa apply -f <its manifest>',
    );
  });
});
