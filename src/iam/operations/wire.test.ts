import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderQueryResponse } from '../../server/aws/query-xml.js';
import { type IamHarness, iamHarness } from '../testing.js';

/** What the edge sends for a result: IAM's Query XML (spec/aws-wire.md §2). */
const xml = async (h: IamHarness, action: string, p: Record<string, string> = {}) =>
  renderQueryResponse('iam', action, await h.call(action, p), 'req-1');

const TRUST =
  '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}';

let h: IamHarness;
beforeEach(async () => {
  h = await iamHarness();
});
afterEach(async () => {
  await h.close();
});

describe('results as the edge renders them', () => {
  it('GetRole: URL-encoded document, timestamps, empty RoleLastUsed', async () => {
    await h.call('CreateRole', {
      RoleName: 'app',
      AssumeRolePolicyDocument: TRUST,
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'a b',
    });
    const body = await xml(h, 'GetRole', { RoleName: 'app' });
    expect(body).toContain(
      '<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role><Path>/</Path><RoleName>app</RoleName>',
    );
    expect(body).toContain(
      '<AssumeRolePolicyDocument>%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C',
    );
    expect(body).toContain('<CreateDate>2026-11-22T12:00:00Z</CreateDate>');
    expect(body).toContain('<MaxSessionDuration>3600</MaxSessionDuration>');
    expect(body).toContain('<Tags><member><Key>team</Key><Value>a b</Value></member></Tags>');
    expect(body).toContain('<RoleLastUsed></RoleLastUsed>');
    expect(body).toContain('<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>');
  });

  it('operations without output have no Result element', async () => {
    await h.call('CreateRole', { RoleName: 'app', AssumeRolePolicyDocument: TRUST });
    expect(await xml(h, 'DeleteRole', { RoleName: 'app' })).toBe(
      '<DeleteRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></DeleteRoleResponse>\n',
    );
  });

  it('Simulate*: member lists and positions', async () => {
    const body = await xml(h, 'SimulateCustomPolicy', {
      'PolicyInputList.member.1':
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}',
      'ActionNames.member.1': 's3:GetObject',
    });
    expect(body).toContain(
      '<EvaluationResults><member><EvalActionName>s3:GetObject</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>allowed</EvalDecision><MatchedStatements><member><SourcePolicyId>PolicyInputList.1</SourcePolicyId><SourcePolicyType>none</SourcePolicyType><StartPosition><Line>1</Line><Column>37</Column></StartPosition><EndPosition><Line>1</Line><Column>86</Column></EndPosition></member></MatchedStatements><MissingContextValues></MissingContextValues></member></EvaluationResults><IsTruncated>false</IsTruncated>',
    );
  });
});
