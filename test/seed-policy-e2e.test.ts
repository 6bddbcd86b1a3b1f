/**
 * The seed's multi-service policy (seeds/001, `app-policy.json`), verbatim, attached with the
 * AWS CLI as the seed does it: every call it lists succeeds — S3 GetObject/ListBucket on
 * my-bucket, DynamoDB GetItem/Query/Scan on my-table, SQS Send/Receive/DeleteMessage on
 * my-queue — and every other call is refused with the service's own error, through boto3.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Creds, type Harness, ROOT, startHarness } from './support/harness.js';

let h: Harness;
let app: Creds;

const SETUP = `
import boto3
s3 = boto3.client('s3')
s3.create_bucket(Bucket='my-bucket')
s3.put_object(Bucket='my-bucket', Key='app-data/a.txt', Body=b'hello')
s3.create_bucket(Bucket='other-bucket')
s3.put_object(Bucket='other-bucket', Key='b.txt', Body=b'no')
ddb = boto3.client('dynamodb')
for t in ('my-table', 'other-table'):
    ddb.create_table(TableName=t, KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}],
        AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST')
    ddb.put_item(TableName=t, Item={'pk': {'S': 'k1'}, 'v': {'S': 'one'}})
sqs = boto3.client('sqs')
sqs.create_queue(QueueName='my-queue')
sqs.create_queue(QueueName='other-queue')
print('ok')
`;

/** Each call as the app's role: `name ok` or `name <error code>`. */
const CALLS = `
import boto3, botocore
s3, ddb, sqs, sm = (boto3.client(s) for s in ('s3', 'dynamodb', 'sqs', 'secretsmanager'))
endpoint = sqs.meta.endpoint_url
my_queue = endpoint + '/123456789012/my-queue'
other_queue = endpoint + '/123456789012/other-queue'
def call(name, f):
    try:
        f()
        print(name, 'ok')
    except botocore.exceptions.ClientError as e:
        print(name, e.response['Error']['Code'])
def send_receive_delete():
    sqs.send_message(QueueUrl=my_queue, MessageBody='job')
    m = sqs.receive_message(QueueUrl=my_queue, WaitTimeSeconds=1)['Messages'][0]
    sqs.delete_message(QueueUrl=my_queue, ReceiptHandle=m['ReceiptHandle'])
call('s3:GetObject', lambda: s3.get_object(Bucket='my-bucket', Key='app-data/a.txt')['Body'].read())
call('s3:ListBucket', lambda: s3.list_objects_v2(Bucket='my-bucket'))
call('dynamodb:GetItem', lambda: ddb.get_item(TableName='my-table', Key={'pk': {'S': 'k1'}}))
call('dynamodb:Query', lambda: ddb.query(TableName='my-table', KeyConditionExpression='pk = :p', ExpressionAttributeValues={':p': {'S': 'k1'}}))
call('dynamodb:Scan', lambda: ddb.scan(TableName='my-table'))
call('sqs:Send/Receive/DeleteMessage', send_receive_delete)
call('s3:PutObject', lambda: s3.put_object(Bucket='my-bucket', Key='app-data/x.txt', Body=b'x'))
call('s3:DeleteObject', lambda: s3.delete_object(Bucket='my-bucket', Key='app-data/a.txt'))
call('s3:ListAllMyBuckets', lambda: s3.list_buckets())
call('s3:GetObject other-bucket', lambda: s3.get_object(Bucket='other-bucket', Key='b.txt'))
call('dynamodb:PutItem', lambda: ddb.put_item(TableName='my-table', Item={'pk': {'S': 'k2'}}))
call('dynamodb:DeleteItem', lambda: ddb.delete_item(TableName='my-table', Key={'pk': {'S': 'k1'}}))
call('dynamodb:DescribeTable', lambda: ddb.describe_table(TableName='my-table'))
call('dynamodb:GetItem other-table', lambda: ddb.get_item(TableName='other-table', Key={'pk': {'S': 'k1'}}))
call('sqs:GetQueueUrl', lambda: sqs.get_queue_url(QueueName='my-queue'))
call('sqs:PurgeQueue', lambda: sqs.purge_queue(QueueUrl=my_queue))
call('sqs:SendMessage other-queue', lambda: sqs.send_message(QueueUrl=other_queue, MessageBody='x'))
call('secretsmanager:ListSecrets', lambda: sm.list_secrets())
`;

beforeAll(async () => {
  h = await startHarness();
  const setup = await h.python(SETUP);
  expect(setup.stderr).toBe('');
  const seed = readFileSync(join(ROOT, '../shared/seeds/001_fc2ddaed615f7002.txt'), 'utf8');
  const start = seed.indexOf('cat > app-policy.json <<EOF') + 'cat > app-policy.json <<EOF'.length;
  writeFileSync(join(h.home, 'app-policy.json'), seed.slice(start, seed.indexOf('\nEOF', start)));
  app = await h.roleSession({ roleName: 's3-app-role' });
  // the seed's two commands, verbatim
  const created = await h.aws([
    'iam',
    'create-policy',
    '--policy-name',
    'multi-service-app-policy',
    '--policy-document',
    `file://${join(h.home, 'app-policy.json')}`,
  ]);
  expect(created.stderr).toBe('');
  const attached = await h.aws([
    'iam',
    'attach-role-policy',
    '--role-name',
    's3-app-role',
    '--policy-arn',
    'arn:aws:iam::123456789012:policy/multi-service-app-policy',
  ]);
  expect(attached.code).toBe(0);
}, 120_000);
afterAll(() => h.close());

describe('the seed’s multi-service policy', () => {
  it('allows every call it lists and refuses every other, in each service’s words', async () => {
    const r = await h.python(CALLS, app);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      's3:GetObject ok',
      's3:ListBucket ok',
      'dynamodb:GetItem ok',
      'dynamodb:Query ok',
      'dynamodb:Scan ok',
      'sqs:Send/Receive/DeleteMessage ok',
      's3:PutObject AccessDenied',
      's3:DeleteObject AccessDenied',
      's3:ListAllMyBuckets AccessDenied',
      's3:GetObject other-bucket AccessDenied',
      'dynamodb:PutItem AccessDeniedException',
      'dynamodb:DeleteItem AccessDeniedException',
      'dynamodb:DescribeTable AccessDeniedException',
      'dynamodb:GetItem other-table AccessDeniedException',
      'sqs:GetQueueUrl AccessDenied',
      'sqs:PurgeQueue AccessDenied',
      'sqs:SendMessage other-queue AccessDenied',
      'secretsmanager:ListSecrets AccessDeniedException',
    ]);
  }, 120_000);
});
