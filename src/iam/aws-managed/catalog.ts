/**
 * AWS managed policies (`arn:aws:iam::aws:policy/…`), with their real default-version
 * documents and metadata (spec/aws-wire.md §5.7). They exist in every account, cannot be
 * modified or deleted, and only their default version is kept here.
 *
 * Sources (facts and documents, not code):
 * - documents, version IDs and version dates: the AWS Managed Policy Reference Guide,
 *   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/<Name>.html, cross-checked
 *   with the `get-policy-version` snapshots kept by github.com/zoph-io/MAMIP and
 *   github.com/zoph-io/IAMTrail (policies/<Name>), which track the live documents;
 * - PolicyIds and creation dates: `aws iam get-policy` / `list-policies` output quoted in
 *   public repositories and the spec (AmazonS3ReadOnlyAccess, AmazonS3FullAccess);
 * - descriptions: the reference guide's "Description" line, verbatim (typos included).
 *
 * A creation date whose seconds no source gave is written with `:00` (the guide gives
 * minutes); SecretsManagerReadWrite's PolicyId was found in no available source and is
 * irsakit's own (marked below).
 *
 * The documents are rendered as JSON with two-space indentation; AWS's own whitespace is
 * not published, so statement positions in Simulate* results may differ from AWS's.
 */
import { READ_ONLY_ACCESS } from './read-only-access.js';

export interface AwsManagedPolicy {
  name: string;
  policyId: string;
  path: string;
  arn: string;
  description: string;
  createDate: string;
  updateDate: string;
  defaultVersionId: string;
  /** the default version's document (JSON text) */
  document: string;
  isAttachable: boolean;
}

/** AWS managed policies by ARN. */
export type AwsPolicyCatalog = ReadonlyMap<string, AwsManagedPolicy>;

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

export interface AwsPolicySource {
  name: string;
  path?: string;
  policyId: string;
  description: string;
  createDate: string;
  updateDate: string;
  defaultVersionId: string;
  document: Json;
}

export function awsManagedPolicy(s: AwsPolicySource): AwsManagedPolicy {
  const path = s.path ?? '/';
  return {
    name: s.name,
    policyId: s.policyId,
    path,
    arn: `arn:aws:iam::aws:policy${path}${s.name}`,
    description: s.description,
    createDate: s.createDate,
    updateDate: s.updateDate,
    defaultVersionId: s.defaultVersionId,
    document: JSON.stringify(s.document, null, 2),
    isAttachable: true,
  };
}

const SOURCES: AwsPolicySource[] = [
  {
    name: 'AdministratorAccess',
    policyId: 'ANPAIWMBCKSKIEE64ZLYK',
    description: 'Provides full access to AWS services and resources.',
    createDate: '2015-02-06T18:39:46Z',
    updateDate: '2015-02-06T18:39:46Z',
    defaultVersionId: 'v1',
    document: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    },
  },
  {
    name: 'AmazonS3ReadOnlyAccess',
    policyId: 'ANPAIZTJ4DXE7G6AGAE6M',
    description: 'Provides read only access to all buckets via the AWS Management Console.',
    createDate: '2015-02-06T18:40:59Z',
    updateDate: '2023-08-10T21:31:39Z',
    defaultVersionId: 'v3',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            's3:Get*',
            's3:List*',
            's3:Describe*',
            's3-object-lambda:Get*',
            's3-object-lambda:List*',
          ],
          Resource: '*',
        },
      ],
    },
  },
  {
    name: 'AmazonS3FullAccess',
    policyId: 'ANPAIFIR6V6BVTRAHWINE',
    description: 'Provides full access to all buckets via the AWS Management Console.',
    createDate: '2015-02-06T18:40:58Z',
    updateDate: '2021-09-27T20:16:37Z',
    defaultVersionId: 'v2',
    document: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:*', 's3-object-lambda:*'], Resource: '*' }],
    },
  },
  {
    name: 'AmazonDynamoDBReadOnlyAccess',
    policyId: 'ANPAIY2XFNA232XJ6J7X2',
    description: 'Provides read only access to Amazon DynamoDB via the AWS Management Console.',
    createDate: '2015-02-06T18:40:00Z',
    updateDate: '2024-11-18T17:38:15Z',
    defaultVersionId: 'v15',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'GeneralReadOnlyAccess',
          Action: [
            'application-autoscaling:DescribeScalableTargets',
            'application-autoscaling:DescribeScalingActivities',
            'application-autoscaling:DescribeScalingPolicies',
            'cloudwatch:DescribeAlarmHistory',
            'cloudwatch:DescribeAlarms',
            'cloudwatch:DescribeAlarmsForMetric',
            'cloudwatch:GetMetricStatistics',
            'cloudwatch:ListMetrics',
            'cloudwatch:GetMetricData',
            'datapipeline:DescribeObjects',
            'datapipeline:DescribePipelines',
            'datapipeline:GetPipelineDefinition',
            'datapipeline:ListPipelines',
            'datapipeline:QueryObjects',
            'dynamodb:BatchGetItem',
            'dynamodb:Describe*',
            'dynamodb:List*',
            'dynamodb:GetAbacStatus',
            'dynamodb:GetItem',
            'dynamodb:GetResourcePolicy',
            'dynamodb:Query',
            'dynamodb:Scan',
            'dynamodb:PartiQLSelect',
            'dax:Describe*',
            'dax:List*',
            'dax:GetItem',
            'dax:BatchGetItem',
            'dax:Query',
            'dax:Scan',
            'ec2:DescribeVpcs',
            'ec2:DescribeSubnets',
            'ec2:DescribeSecurityGroups',
            'iam:GetRole',
            'iam:ListRoles',
            'kms:DescribeKey',
            'kms:ListAliases',
            'sns:ListSubscriptionsByTopic',
            'sns:ListTopics',
            'lambda:ListFunctions',
            'lambda:ListEventSourceMappings',
            'lambda:GetFunctionConfiguration',
            'resource-groups:ListGroups',
            'resource-groups:ListGroupResources',
            'resource-groups:GetGroup',
            'resource-groups:GetGroupQuery',
            'tag:GetResources',
            'kinesis:ListStreams',
            'kinesis:DescribeStream',
            'kinesis:DescribeStreamSummary',
          ],
          Effect: 'Allow',
          Resource: '*',
        },
        {
          Sid: 'CCIAccess',
          Action: 'cloudwatch:GetInsightRuleReport',
          Effect: 'Allow',
          Resource: 'arn:aws:cloudwatch:*:*:insight-rule/DynamoDBContributorInsights*',
        },
      ],
    },
  },
  {
    name: 'AmazonDynamoDBFullAccess',
    policyId: 'ANPAINUGF2JSOSUY76KYA',
    description: 'Provides full access to Amazon DynamoDB via the AWS Management Console.',
    createDate: '2015-02-06T18:40:11Z',
    updateDate: '2021-01-29T17:38:30Z',
    defaultVersionId: 'v15',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: [
            'dynamodb:*',
            'dax:*',
            'application-autoscaling:DeleteScalingPolicy',
            'application-autoscaling:DeregisterScalableTarget',
            'application-autoscaling:DescribeScalableTargets',
            'application-autoscaling:DescribeScalingActivities',
            'application-autoscaling:DescribeScalingPolicies',
            'application-autoscaling:PutScalingPolicy',
            'application-autoscaling:RegisterScalableTarget',
            'cloudwatch:DeleteAlarms',
            'cloudwatch:DescribeAlarmHistory',
            'cloudwatch:DescribeAlarms',
            'cloudwatch:DescribeAlarmsForMetric',
            'cloudwatch:GetMetricStatistics',
            'cloudwatch:ListMetrics',
            'cloudwatch:PutMetricAlarm',
            'cloudwatch:GetMetricData',
            'datapipeline:ActivatePipeline',
            'datapipeline:CreatePipeline',
            'datapipeline:DeletePipeline',
            'datapipeline:DescribeObjects',
            'datapipeline:DescribePipelines',
            'datapipeline:GetPipelineDefinition',
            'datapipeline:ListPipelines',
            'datapipeline:PutPipelineDefinition',
            'datapipeline:QueryObjects',
            'ec2:DescribeVpcs',
            'ec2:DescribeSubnets',
            'ec2:DescribeSecurityGroups',
            'iam:GetRole',
            'iam:ListRoles',
            'kms:DescribeKey',
            'kms:ListAliases',
            'sns:CreateTopic',
            'sns:DeleteTopic',
            'sns:ListSubscriptions',
            'sns:ListSubscriptionsByTopic',
            'sns:ListTopics',
            'sns:Subscribe',
            'sns:Unsubscribe',
            'sns:SetTopicAttributes',
            'lambda:CreateFunction',
            'lambda:ListFunctions',
            'lambda:ListEventSourceMappings',
            'lambda:CreateEventSourceMapping',
            'lambda:DeleteEventSourceMapping',
            'lambda:GetFunctionConfiguration',
            'lambda:DeleteFunction',
            'resource-groups:ListGroups',
            'resource-groups:ListGroupResources',
            'resource-groups:GetGroup',
            'resource-groups:GetGroupQuery',
            'resource-groups:DeleteGroup',
            'resource-groups:CreateGroup',
            'tag:GetResources',
            'kinesis:ListStreams',
            'kinesis:DescribeStream',
            'kinesis:DescribeStreamSummary',
          ],
          Effect: 'Allow',
          Resource: '*',
        },
        {
          Action: 'cloudwatch:GetInsightRuleReport',
          Effect: 'Allow',
          Resource: 'arn:aws:cloudwatch:*:*:insight-rule/DynamoDBContributorInsights*',
        },
        {
          Action: ['iam:PassRole'],
          Effect: 'Allow',
          Resource: '*',
          Condition: {
            StringLike: {
              'iam:PassedToService': [
                'application-autoscaling.amazonaws.com',
                'application-autoscaling.amazonaws.com.cn',
                'dax.amazonaws.com',
              ],
            },
          },
        },
        {
          Effect: 'Allow',
          Action: ['iam:CreateServiceLinkedRole'],
          Resource: '*',
          Condition: {
            StringEquals: {
              'iam:AWSServiceName': [
                'replication.dynamodb.amazonaws.com',
                'dax.amazonaws.com',
                'dynamodb.application-autoscaling.amazonaws.com',
                'contributorinsights.dynamodb.amazonaws.com',
                'kinesisreplication.dynamodb.amazonaws.com',
              ],
            },
          },
        },
      ],
    },
  },
  {
    name: 'AmazonSQSFullAccess',
    policyId: 'ANPAI65L554VRJ33ECQS6',
    description: 'Provides full access to Amazon SQS via the AWS Management Console.',
    createDate: '2015-02-06T18:41:07Z',
    updateDate: '2015-02-06T18:41:07Z',
    defaultVersionId: 'v1',
    document: {
      Version: '2012-10-17',
      Statement: [{ Action: ['sqs:*'], Effect: 'Allow', Resource: '*' }],
    },
  },
  {
    // v4 (2024-05-24) added the Sid and sqs:ListQueueTags to the v3 the spec quotes
    name: 'AmazonSQSReadOnlyAccess',
    policyId: 'ANPAIUGSSQY362XGCM6KW',
    description: 'Provides read only access to Amazon SQS via the AWS Management Console.',
    createDate: '2015-02-06T18:41:00Z',
    updateDate: '2024-05-24T18:16:44Z',
    defaultVersionId: 'v4',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AmazonSQSReadOnlyAccess',
          Effect: 'Allow',
          Action: [
            'sqs:GetQueueAttributes',
            'sqs:GetQueueUrl',
            'sqs:ListDeadLetterSourceQueues',
            'sqs:ListQueues',
            'sqs:ListMessageMoveTasks',
            'sqs:ListQueueTags',
          ],
          Resource: '*',
        },
      ],
    },
  },
  {
    // v6 (2026-08-25, IAMTrail/MAMIP) added CloudFormationTagOnCreate to the guide's v5
    name: 'SecretsManagerReadWrite',
    // irsakit's own: AWS's PolicyId for this policy was not found in any available source
    policyId: 'ANPAIRSAKITSECRETSMRW',
    description:
      'Provides read/write access to AWS Secrets Manager via the AWS Management Console. Note: this exludes IAM actions, so combine with IAMFullAccess if rotation configuration is required.',
    createDate: '2018-04-04T18:05:00Z',
    updateDate: '2026-08-25T23:37:10Z',
    defaultVersionId: 'v6',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'BasePermissions',
          Effect: 'Allow',
          Action: [
            'secretsmanager:*',
            'cloudformation:CreateChangeSet',
            'cloudformation:DescribeChangeSet',
            'cloudformation:DescribeStackResource',
            'cloudformation:DescribeStacks',
            'cloudformation:ExecuteChangeSet',
            'docdb-elastic:GetCluster',
            'docdb-elastic:ListClusters',
            'ec2:DescribeSecurityGroups',
            'ec2:DescribeSubnets',
            'ec2:DescribeVpcs',
            'kms:DescribeKey',
            'kms:ListAliases',
            'kms:ListKeys',
            'lambda:ListFunctions',
            'rds:DescribeDBClusters',
            'rds:DescribeDBInstances',
            'redshift:DescribeClusters',
            'redshift-serverless:ListWorkgroups',
            'redshift-serverless:GetNamespace',
            'tag:GetResources',
          ],
          Resource: '*',
        },
        {
          Sid: 'LambdaPermissions',
          Effect: 'Allow',
          Action: [
            'lambda:AddPermission',
            'lambda:CreateFunction',
            'lambda:GetFunction',
            'lambda:InvokeFunction',
            'lambda:UpdateFunctionConfiguration',
          ],
          Resource: 'arn:aws:lambda:*:*:function:SecretsManager*',
        },
        {
          Sid: 'SARPermissions',
          Effect: 'Allow',
          Action: ['serverlessrepo:CreateCloudFormationChangeSet', 'serverlessrepo:GetApplication'],
          Resource: 'arn:aws:serverlessrepo:*:*:applications/SecretsManager*',
        },
        {
          Sid: 'S3Permissions',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: [
            'arn:aws:s3:::awsserverlessrepo-changesets*',
            'arn:aws:s3:::secrets-manager-rotation-apps-*/*',
          ],
        },
        {
          Sid: 'CloudFormationTagOnCreate',
          Effect: 'Allow',
          Action: ['cloudformation:TagResource', 'cloudformation:UntagResource'],
          Resource: '*',
          Condition: {
            StringEquals: {
              'cloudformation:CreateAction': ['CreateChangeSet', 'ExecuteChangeSet'],
            },
          },
        },
      ],
    },
  },
  READ_ONLY_ACCESS,
];

/** The built-in catalogue: every AWS managed policy irsakit knows, by ARN. */
export const AWS_MANAGED_POLICIES: AwsPolicyCatalog = new Map(
  SOURCES.map((s) => {
    const p = awsManagedPolicy(s);
    return [p.arn, p];
  }),
);

/** Service-role policies (`/aws-service-role/`) attach only to service-linked roles. */
export function isServiceRolePolicy(p: { path: string }): boolean {
  return p.path.startsWith('/aws-service-role/');
}
