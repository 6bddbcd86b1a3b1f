/**
 * How a refusal names its resource (resourceText): IAM's own words per action — `role X` for an
 * existing role, the ARN for one being created or passed, `policy <arn>` for a managed policy
 * and `policy <name>` for one being created — S3's quoted ARN, and the ARN elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { resourceText } from './authorize.js';

const ROLE = 'arn:aws:iam::123456789012:role/service-role/roleName';
const USER = 'arn:aws:iam::079386327979:user/Bob';
const POLICY = 'arn:aws:iam::792671221040:policy/s3-access-policy';

describe('resourceText', () => {
  it.each([
    // an existing role or user: its kind and name
    ['iam:GetRole', ROLE, 'role roleName'],
    ['iam:DeleteRole', ROLE, 'role roleName'],
    ['iam:AttachRolePolicy', ROLE, 'role roleName'],
    ['iam:GetUser', USER, 'user Bob'],
    ['iam:GetAccessKeyLastUsed', USER, 'user Bob'],
    // one being created, or a role passed: the ARN with its path
    ['iam:CreateRole', ROLE, ROLE],
    ['iam:CreateUser', USER, USER],
    ['iam:PassRole', ROLE, ROLE],
    // a managed policy: `policy <arn>`; one being created: `policy <name>`
    ['iam:GetPolicy', POLICY, `policy ${POLICY}`],
    ['iam:GetPolicyVersion', POLICY, `policy ${POLICY}`],
    ['iam:DeletePolicy', POLICY, `policy ${POLICY}`],
    ['iam:CreatePolicyVersion', POLICY, `policy ${POLICY}`],
    ['iam:DeletePolicyVersion', POLICY, `policy ${POLICY}`],
    ['iam:ListPolicyVersions', POLICY, `policy ${POLICY}`],
    ['iam:SetDefaultPolicyVersion', POLICY, `policy ${POLICY}`],
    ['iam:TagPolicy', POLICY, `policy ${POLICY}`],
    [
      'iam:GetPolicy',
      'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      'policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    ],
    [
      'iam:CreatePolicy',
      'arn:aws:iam::123456789012:policy/team/ALBIngressControllerIAMPolicy',
      'policy ALBIngressControllerIAMPolicy',
    ],
    // a listing: the kind's ARN and path, as authorized
    ['iam:ListRoles', 'arn:aws:iam::123456789012:role/', 'arn:aws:iam::123456789012:role/'],
    [
      'iam:ListRoles',
      'arn:aws:iam::123456789012:role/team/',
      'arn:aws:iam::123456789012:role/team/',
    ],
    ['iam:ListUsers', 'arn:aws:iam::123456789012:user/', 'arn:aws:iam::123456789012:user/'],
    ['iam:ListPolicies', '*', '*'],
    // other services
    ['s3:GetObject', 'arn:aws:s3:::b/k', '"arn:aws:s3:::b/k"'],
    [
      'sqs:SendMessage',
      'arn:aws:sqs:us-east-1:123456789012:q',
      'arn:aws:sqs:us-east-1:123456789012:q',
    ],
  ])('%s on %s: %s', (action, resource, text) => {
    expect(resourceText(resource, action)).toBe(text);
  });
});
