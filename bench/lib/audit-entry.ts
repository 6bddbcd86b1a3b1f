/** The audit record the benchmarks append. */
import { randomUUID } from 'node:crypto';
import { eventUuid } from '../../src/audit/trail.js';
import type { AuditEntry } from '../../src/audit/types.js';

/** A record as big as a typical STS/IAM one (about 1.5 KB with its explanation). */
export function auditEntry(): AuditEntry {
  const id = randomUUID();
  const now = new Date();
  return {
    record: {
      eventVersion: '1.08',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLEID1234567:botocore-session-1795344610',
        arn: 'arn:aws:sts::123456789012:assumed-role/s3-app-role/botocore-session-1795344610',
        accountId: '123456789012',
        accessKeyId: 'ASIAEXAMPLEKEY123456',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLEID1234567',
            arn: 'arn:aws:iam::123456789012:role/s3-app-role',
            accountId: '123456789012',
            userName: 's3-app-role',
          },
          webIdFederationData: {
            federatedProvider: 'arn:aws:iam::123456789012:oidc-provider/127.0.0.1:4578/id/ABC',
            attributes: {},
          },
          attributes: { creationDate: now.toISOString(), mfaAuthenticated: 'false' },
        },
      },
      eventTime: now.toISOString(),
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetCallerIdentity',
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      userAgent: 'aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux lang/python#3.11.7',
      requestParameters: null,
      responseElements: null,
      requestID: id,
      eventID: eventUuid(now),
      readOnly: true,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '123456789012',
      eventCategory: 'Management',
    },
    explanation: {
      outcome: 'allowed',
      summary: 'allowed: sts:GetCallerIdentity',
      chain: [
        {
          hop: 'session',
          status: 'ok',
          subject: 'arn:aws:sts::123456789012:assumed-role/s3-app-role/s',
        },
        { hop: 'credentials', status: 'ok', subject: 'ASIAEXAMPLEKEY123456' },
      ],
    },
    index: {
      timeMs: now.getTime(),
      username: 'botocore-session-1795344610',
      accessKeyId: 'ASIAEXAMPLEKEY123456',
      roleName: 's3-app-role',
      roleArn: 'arn:aws:iam::123456789012:role/s3-app-role',
      namespace: 'production',
      serviceAccount: 's3-app',
    },
  };
}
