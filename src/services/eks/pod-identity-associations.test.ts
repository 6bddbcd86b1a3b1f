/**
 * The pod identity association routes of the EKS API over a real (in-memory) store: shapes,
 * the authorization each operation asks for (eks:* on the cluster or association ARN,
 * iam:PassRole on the role), validation and not-found errors, one association per service
 * account, pagination, and that a failed call leaves the store as it was.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../common/aws-error.js';
import { fixedClock } from '../../common/clock.js';
import type { AuthorizeRequest } from '../../server/aws/authorize.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { callContext } from '../../sts/test-support.js';
import {
  ASSOCIATIONS,
  type AssociationDeps,
  deleteAssociationsOf,
  deleteOrphanAssociations,
  findAssociation,
  handleAssociations,
} from './pod-identity-associations.js';

const ACCOUNT = '123456789012';
const clock = fixedClock('2025-01-01T00:00:00Z');
const ROLE = `arn:aws:iam::${ACCOUNT}:role/pod-role`;
const caller = {
  principal: {
    type: 'User' as const,
    id: `arn:aws:iam::${ACCOUNT}:user/admin`,
    account: ACCOUNT,
    partition: 'aws',
  },
  accessKeyId: 'AKIAEXAMPLE',
  account: ACCOUNT,
  userId: 'AIDAEXAMPLE',
};

let store: SqliteStore;
let asked: AuthorizeRequest[];
let deny: string | undefined;
let deps: AssociationDeps;

beforeEach(() => {
  store = new SqliteStore(':memory:');
  asked = [];
  deny = undefined;
  let n = 0;
  deps = {
    store,
    defaultAccount: ACCOUNT,
    clusterExists: async (name) => name === 'demo',
    authorize: async (_ctx, r) => {
      asked.push(r);
      if (r.action === deny) throw new AwsError('AccessDenied', 403, `denied ${r.action}`);
    },
    random: (size) => Uint8Array.from({ length: size }, () => n++),
  };
});

const call = (method: string, path: string, body?: object, query = '') =>
  handleAssociations(
    deps,
    callContext(clock, caller),
    method,
    path,
    new URLSearchParams(query),
    Buffer.from(body ? JSON.stringify(body) : ''),
  );
const create = (over: object = {}) =>
  call('POST', '/clusters/demo/pod-identity-associations', {
    namespace: 'production',
    serviceAccount: 's3-app',
    roleArn: ROLE,
    ...over,
  });

async function rejects(p: Promise<unknown>, code: string, status: number, message?: string) {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AwsError);
  expect((e as AwsError).code).toBe(code);
  expect((e as AwsError).httpStatus).toBe(status);
  if (message !== undefined) expect((e as AwsError).message).toBe(message);
}

describe('CreatePodIdentityAssociation', () => {
  it('stores and describes the association as EKS does', async () => {
    const r = await create({ tags: { team: 'data' } });
    const a = (r?.body as { association: Record<string, unknown> }).association;
    expect(a).toEqual({
      clusterName: 'demo',
      namespace: 'production',
      serviceAccount: 's3-app',
      roleArn: ROLE,
      associationArn: `arn:aws:eks:us-east-1:${ACCOUNT}:podidentityassociation/demo/${a.associationId}`,
      associationId: expect.stringMatching(/^a-[a-z0-9]{17}$/),
      tags: { team: 'data' },
      createdAt: 1735689600,
      modifiedAt: 1735689600,
      disableSessionTags: false,
    });
    expect(asked.map((x) => [x.action, x.resource])).toEqual([
      ['eks:CreatePodIdentityAssociation', `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/demo`],
      ['iam:PassRole', ROLE],
    ]);
    expect(asked[1]?.context).toEqual({ 'iam:PassedToService': 'pods.eks.amazonaws.com' });
    const owner = { name: 'demo', account: ACCOUNT, region: 'us-east-1' };
    expect((await findAssociation(store, owner, 'production', 's3-app'))?.roleArn).toBe(ROLE);
    // another account's or region's cluster of the name has none of them
    for (const other of [
      { ...owner, account: '111122223333' },
      { ...owner, region: 'eu-west-1' },
    ])
      expect(await findAssociation(store, other, 'production', 's3-app')).toBeUndefined();
  });

  it('refuses a second association of the same service account (409), keeping the first', async () => {
    await create();
    await rejects(
      create({ roleArn: `arn:aws:iam::${ACCOUNT}:role/other` }),
      'ResourceInUseException',
      409,
    );
    expect(await store.list(ASSOCIATIONS)).toHaveLength(1);
  });

  it.each([
    [{ namespace: undefined }, 'namespace is required.'],
    [
      { roleArn: 'arn:aws:iam::123:role/x' },
      'Role arn arn:aws:iam::123:role/x is not a valid IAM role ARN.',
    ],
    [{ namespace: 'Not_A_Name' }, 'Namespace Not_A_Name is not a valid Kubernetes namespace name.'],
    [{ disableSessionTags: 'yes' }, 'disableSessionTags must be a boolean.'],
    [{ targetRoleArn: ROLE }, 'targetRoleArn and policy are not supported by irsakit yet.'],
  ])('refuses %j', async (over, message) => {
    await rejects(create(over), 'InvalidParameterException', 400, message);
    expect(await store.list(ASSOCIATIONS)).toHaveLength(0);
  });

  it('refuses garbage JSON, an unknown cluster, and a caller without iam:PassRole', async () => {
    await rejects(
      handleAssociations(
        deps,
        callContext(clock, caller),
        'POST',
        '/clusters/demo/pod-identity-associations',
        new URLSearchParams(),
        Buffer.from('{not json'),
      ),
      'InvalidParameterException',
      400,
    );
    await rejects(
      call('POST', '/clusters/nope/pod-identity-associations', {
        namespace: 'a',
        serviceAccount: 'b',
        roleArn: ROLE,
      }),
      'ResourceNotFoundException',
      404,
      'No cluster found for name: nope.',
    );
    deny = 'iam:PassRole';
    await rejects(create(), 'AccessDenied', 403);
    expect(await store.list(ASSOCIATIONS)).toHaveLength(0);
  });
});

describe('Describe, List, Update, Delete', () => {
  it('lists with filters and pages, updates and deletes', async () => {
    const ids: string[] = [];
    for (const sa of ['a', 'b', 'c']) {
      const r = await create({ serviceAccount: sa });
      ids.push((r?.body as { association: { associationId: string } }).association.associationId);
    }
    await create({ namespace: 'batch', serviceAccount: 'a' });
    const page1 = (
      await call(
        'GET',
        '/clusters/demo/pod-identity-associations',
        undefined,
        'namespace=production&maxResults=2',
      )
    )?.body as {
      associations: { serviceAccount: string }[];
      nextToken?: string;
    };
    expect(page1.associations).toHaveLength(2);
    const page2 = (
      await call(
        'GET',
        '/clusters/demo/pod-identity-associations',
        undefined,
        `namespace=production&maxResults=2&nextToken=${page1.nextToken}`,
      )
    )?.body as {
      associations: { serviceAccount: string }[];
      nextToken?: string;
    };
    expect(
      [...page1.associations, ...page2.associations].map((a) => a.serviceAccount).sort(),
    ).toEqual(['a', 'b', 'c']);
    expect(page2.nextToken).toBeUndefined();
    await rejects(
      call('GET', '/clusters/demo/pod-identity-associations', undefined, 'maxResults=0'),
      'InvalidParameterException',
      400,
    );

    const id = ids[0] as string;
    const path = `/clusters/demo/pod-identity-associations/${id}`;
    const updated = (
      await call('POST', path, {
        roleArn: `arn:aws:iam::${ACCOUNT}:role/next`,
        disableSessionTags: true,
      })
    )?.body as {
      association: { roleArn: string; disableSessionTags: boolean };
    };
    expect(updated.association).toMatchObject({
      roleArn: `arn:aws:iam::${ACCOUNT}:role/next`,
      disableSessionTags: true,
    });
    expect(asked.at(-2)?.action).toBe('eks:UpdatePodIdentityAssociation');
    expect(asked.at(-2)?.resource).toBe(
      `arn:aws:eks:us-east-1:${ACCOUNT}:podidentityassociation/demo/${id}`,
    );
    expect(
      ((await call('GET', path))?.body as { association: { roleArn: string } }).association.roleArn,
    ).toBe(`arn:aws:iam::${ACCOUNT}:role/next`);
    await call('DELETE', path);
    await rejects(
      call('GET', path),
      'ResourceNotFoundException',
      404,
      `No Pod Identity Association found for id: ${id}.`,
    );
    await rejects(call('DELETE', path), 'ResourceNotFoundException', 404);
    await rejects(
      call('GET', '/clusters/demo/pod-identity-associations/not-an-id'),
      'ResourceNotFoundException',
      404,
    );
  });

  it('is not its route otherwise', async () => {
    expect(await call('GET', '/clusters/demo')).toBeUndefined();
    await rejects(
      call('PUT', '/clusters/demo/pod-identity-associations'),
      'UnknownOperationException',
      404,
    );
  });
});

describe('associations of clusters that are gone', () => {
  it('are deleted at start; those of live clusters stay', async () => {
    await create();
    await create({ serviceAccount: 'other' });
    await store.transaction((tx) =>
      tx.put(ASSOCIATIONS, 'gone/a-0123456789abcdef0', {
        clusterName: 'gone',
        associationId: 'a-0123456789abcdef0',
      }),
    );
    expect(await deleteOrphanAssociations(store, ['demo'])).toBe(1);
    expect((await store.list(ASSOCIATIONS)).map((i) => i.key.split('/')[0])).toEqual([
      'demo',
      'demo',
    ]);
    await store.transaction((tx) => deleteAssociationsOf(tx, 'demo'));
    expect(await store.list(ASSOCIATIONS)).toEqual([]);
  });
});
