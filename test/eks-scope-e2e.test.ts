/**
 * An EKS cluster belongs to one account, in one region, as in AWS: another account or another
 * region does not see it (ListClusters, DescribeCluster, DeleteCluster, its pod identity
 * associations), with boto3. Before, every account saw and could delete every cluster, and
 * an association of another account could be deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Creds, type Harness, startHarness } from './support/harness.js';

let h: Harness;
let other: Creds;
beforeAll(async () => {
  h = await startHarness({ demo: true });
  other = await h.createAccount('111122223333');
});
afterAll(() => h?.close());

const py = async (code: string, creds?: Creds, region = 'us-east-1') => {
  const r = await h.python(
    `import boto3, botocore\neks = boto3.client('eks')\ndef err(f):\n    try:\n        f()\n        return 'ok'\n    except botocore.exceptions.ClientError as e:\n        return e.response['Error']['Code'] + ': ' + e.response['Error']['Message']\n${code}`,
    creds,
    { AWS_REGION: region, AWS_DEFAULT_REGION: region },
  );
  expect(r.stderr).toBe('');
  return r.stdout.trim().split('\n');
};

describe('EKS clusters are their account’s, in their region', () => {
  it('the owner sees the demo cluster in us-east-1', async () => {
    expect(
      await py(
        "print(eks.list_clusters()['clusters'])\nprint(eks.describe_cluster(name='demo')['cluster']['arn'])",
      ),
    ).toEqual(["['demo']", 'arn:aws:eks:us-east-1:123456789012:cluster/demo']);
  });

  it('another region does not see it', async () => {
    expect(
      await py(
        "print(eks.list_clusters()['clusters'])\nprint(err(lambda: eks.describe_cluster(name='demo')))\nprint(err(lambda: eks.list_pod_identity_associations(clusterName='demo')))",
        undefined,
        'us-west-2',
      ),
    ).toEqual([
      '[]',
      'ResourceNotFoundException: No cluster found for name: demo.',
      'ResourceNotFoundException: No cluster found for name: demo.',
    ]);
  });

  it('another account neither sees it nor deletes it or its associations', async () => {
    await h.aws([
      'eks',
      'create-pod-identity-association',
      '--cluster-name',
      'demo',
      '--namespace',
      'production',
      '--service-account',
      'web-app',
      '--role-arn',
      'arn:aws:iam::123456789012:role/s3-app-role',
    ]);
    expect(
      await py(
        "print(eks.list_clusters()['clusters'])\nprint(err(lambda: eks.describe_cluster(name='demo')))\nprint(err(lambda: eks.delete_cluster(name='demo')))\nprint(err(lambda: eks.list_pod_identity_associations(clusterName='demo')))\nprint(err(lambda: eks.create_cluster(name='demo', roleArn='arn:aws:iam::111122223333:role/x', resourcesVpcConfig={})))",
        other,
      ),
    ).toEqual([
      '[]',
      'ResourceNotFoundException: No cluster found for name: demo.',
      'ResourceNotFoundException: No cluster found for name: demo.',
      'ResourceNotFoundException: No cluster found for name: demo.',
      "InvalidParameterException: irsakit's cluster names are unique on this machine, and demo is another account's or region's",
    ]);
    // still there for its owner, association included
    expect(
      await py(
        "print(eks.describe_cluster(name='demo')['cluster']['status'])\nprint(len(eks.list_pod_identity_associations(clusterName='demo')['associations']))",
      ),
    ).toEqual(['ACTIVE', '1']);
  });

  it('a deleted cluster’s associations go with it: the next cluster of its name, of any account, has none', async () => {
    const made = await py(
      "eks.create_cluster(name='gone', roleArn='arn:aws:iam::123456789012:role/x', resourcesVpcConfig={})\na = eks.create_pod_identity_association(clusterName='gone', namespace='default', serviceAccount='app', roleArn='arn:aws:iam::123456789012:role/s3-app-role')['association']\nprint(a['associationId'])\neks.delete_cluster(name='gone')",
    );
    const id = made[0] as string;
    expect(id).toMatch(/^a-/);
    expect(
      await py(
        `eks.create_cluster(name='gone', roleArn='arn:aws:iam::111122223333:role/x', resourcesVpcConfig={})\nprint(eks.list_pod_identity_associations(clusterName='gone')['associations'])\nprint(err(lambda: eks.describe_pod_identity_association(clusterName='gone', associationId='${id}')))\neks.delete_cluster(name='gone')`,
        other,
      ),
    ).toEqual([
      '[]',
      `ResourceNotFoundException: No Pod Identity Association found for id: ${id}.`,
    ]);
    // and in one account: deleted and made again, the cluster starts without associations
    expect(
      await py(
        "eks.create_cluster(name='gone', roleArn='arn:aws:iam::123456789012:role/x', resourcesVpcConfig={})\nprint(eks.list_pod_identity_associations(clusterName='gone')['associations'])",
      ),
    ).toEqual(['[]']);
  });

  it('a cluster made by another account is that account’s; a bad nextToken is refused', async () => {
    expect(
      await py(
        "c = eks.create_cluster(name='theirs', roleArn='arn:aws:iam::111122223333:role/x', resourcesVpcConfig={})['cluster']\nprint(c['arn'])\nprint(eks.list_clusters()['clusters'])",
        other,
        'eu-west-1',
      ),
    ).toEqual(['arn:aws:eks:eu-west-1:111122223333:cluster/theirs', "['theirs']"]);
    expect(
      await py(
        "print(eks.list_clusters()['clusters'])\nprint(err(lambda: eks.list_clusters(nextToken='garbage')))",
      ),
    ).toEqual(["['demo', 'gone']", 'InvalidParameterException: The nextToken is not valid.']);
    // a token past the end (clusters deleted since it was given) is an empty page
    expect(await py("print(eks.list_clusters(nextToken='50')['clusters'])")).toEqual(['[]']);
  });
});
