import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../common/clock.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { type Admit, ClusterService } from './cluster-service.js';
import type { KubeObject } from './manifests.js';
import { ClusterError } from './types.js';
import { templateHash } from './deployments.js';

let store: SqliteStore;
let svc: ClusterService;
let counter = 0;
const admitted: { namespace: string; sa?: string }[] = [];

/** Records what admission saw and leaves the pod as it is (the webhook has its own tests). */
const recordingAdmit: Admit = ({ pod, namespace, serviceAccount }) => {
  admitted.push({ namespace, sa: serviceAccount?.metadata?.name });
  return {
    pod,
    mode: serviceAccount?.metadata?.annotations?.['eks.amazonaws.com/role-arn'] ? 'irsa' : 'none',
    warnings: [],
  };
};

beforeEach(async () => {
  store = new SqliteStore(':memory:');
  counter = 0;
  admitted.length = 0;
  svc = new ClusterService({
    store,
    clock: fixedClock('2026-11-22T10:00:00Z'),
    randomHex: (n) => (++counter).toString(16).padStart(n * 2, '0'),
    admit: recordingAdmit,
    issuerBase: 'https://127.0.0.1:4578',
  });
  await svc.createCluster('demo', { id: 'EXAMPLED539D4633E53DE1B71EXAMPLE' });
});
afterEach(async () => {
  await store.close();
});

const seedSa = `# s3-app-serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: s3-app
  namespace: production
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/s3-app-role
    eks.amazonaws.com/sts-regional-endpoints: "true"
    eks.amazonaws.com/token-expiration: "86400"
`;
const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: production\n';

async function failure(p: Promise<unknown>): Promise<ClusterError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ClusterError) return e;
    throw e;
  }
  throw new Error('expected a ClusterError');
}

describe('clusters', () => {
  it('names the issuer like EKS and creates the system namespaces with their default SAs', async () => {
    const c = await svc.getCluster('demo');
    expect(c.issuer).toBe('https://127.0.0.1:4578/id/EXAMPLED539D4633E53DE1B71EXAMPLE');
    expect((await svc.list('demo', 'Namespace')).items.map((n) => n.metadata?.name)).toEqual([
      'default',
      'kube-node-lease',
      'kube-public',
      'kube-system',
    ]);
    expect((await svc.get('demo', 'ServiceAccount', 'kube-system', 'default')).metadata?.name).toBe(
      'default',
    );
    const again = await failure(svc.createCluster('demo'));
    expect(again.status).toMatchObject({ reason: 'AlreadyExists', code: 409 });
  });

  it('a cluster’s region is an AWS region name: one no request could be scoped to is refused', async () => {
    for (const region of ['../../etc', 'US-EAST-1', 'useast1', '']) {
      const e = await failure(svc.createCluster('elsewhere', { region }));
      expect(e.status, region).toMatchObject({ reason: 'Invalid', code: 422 });
    }
    expect(await svc.listClusters()).toHaveLength(1);
    const eu = await svc.createCluster('eu', { region: 'eu-central-2' });
    expect([eu.region, eu.nodeName]).toEqual([
      'eu-central-2',
      'ip-10-0-1-23.eu-central-2.compute.internal',
    ]);
  });

  it('keeps default, kube-system and kube-public (NamespaceLifecycle), and `default` ServiceAccounts (their controller)', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      const e = await failure(svc.delete('demo', 'Namespace', '', ns));
      expect(e.status).toMatchObject({
        reason: 'Forbidden',
        code: 403,
        message: `namespaces "${ns}" is forbidden: this namespace may not be deleted`,
      });
      expect((await svc.get('demo', 'ServiceAccount', ns, 'default')).metadata?.name).toBe(
        'default',
      );
    }
    await svc.delete('demo', 'Namespace', '', 'kube-node-lease');
    // a deleted `default` ServiceAccount is made again, a new object
    const before = await svc.get('demo', 'ServiceAccount', 'default', 'default');
    expect((await svc.delete('demo', 'ServiceAccount', 'default', 'default')).action).toBe(
      'deleted',
    );
    const after = await svc.get('demo', 'ServiceAccount', 'default', 'default');
    expect(after.metadata?.uid).not.toBe(before.metadata?.uid);
    await svc.apply(
      'demo',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n',
    );
  });

  it('generates names from Kubernetes’ alphabet', async () => {
    const gen = await svc.apply(
      'demo',
      'apiVersion: v1\nkind: Pod\nmetadata: {generateName: gen-}\nspec: {containers: [{name: c, image: x}]}\n',
    );
    expect(gen[0]?.ref).toMatch(/^pod\/gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    await svc.apply('demo', namespace);
    await svc.apply(
      'demo',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: production}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: i}]}\n',
    );
    const pods = (await svc.list('demo', 'Pod', 'production')).items;
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.metadata?.name).toMatch(
        /^d-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/,
      );
      const volumes = (p.spec as { volumes?: { name: string }[] }).volumes ?? [];
      expect(volumes.map((v) => v.name)).toContainEqual(
        expect.stringMatching(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/),
      );
    }
  });
});

describe('apply', () => {
  it('rejects a ServiceAccount in a namespace that does not exist, as the API server does', async () => {
    const e = await failure(svc.apply('demo', seedSa));
    expect(e.status).toMatchObject({
      reason: 'NotFound',
      code: 404,
      message: 'namespaces "production" not found',
    });
  });

  it('applies the seed manifests verbatim, then reports them unchanged', async () => {
    expect(await svc.apply('demo', `${namespace}---\n${seedSa}`)).toEqual([
      { ref: 'namespace/production', namespace: undefined, action: 'created' },
      { ref: 'serviceaccount/s3-app', namespace: 'production', action: 'created' },
    ]);
    const sa = await svc.get('demo', 'ServiceAccount', 'production', 's3-app');
    expect(sa.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toBe(
      'arn:aws:iam::123456789012:role/s3-app-role',
    );
    expect((await svc.apply('demo', seedSa)).map((o) => o.action)).toEqual(['unchanged']);
    expect((await svc.apply('demo', seedSa.replace('86400', '3600'))).map((o) => o.action)).toEqual(
      ['configured'],
    );
  });

  it('admits a pod once, at creation, with its ServiceAccount', async () => {
    await svc.apply('demo', `${namespace}---\n${seedSa}`);
    const pod = readSeedPod();
    expect((await svc.apply('demo', pod)).map((o) => `${o.ref} ${o.action}`)).toEqual([
      'pod/s3-reader created',
    ]);
    expect(admitted).toEqual([{ namespace: 'production', sa: 's3-app' }]);
    const stored = await svc.get('demo', 'Pod', 'production', 's3-reader');
    // the ServiceAccount admission plugin mounted the API token, as in a real cluster
    expect((stored.spec?.volumes as { name: string }[])[0]?.name).toMatch(/^kube-api-access-/);
    expect((await svc.admission('demo', 'production', 's3-reader'))?.mode).toBe('irsa');
    // applying the same pod again changes nothing; a changed spec is refused
    expect((await svc.apply('demo', pod)).map((o) => o.action)).toEqual(['unchanged']);
    expect(admitted).toHaveLength(1);
    const e = await failure(svc.apply('demo', pod.replace('sleep 3600', 'sleep 60')));
    expect(e.status.message).toMatch(
      /^The Pod "s3-reader" is invalid: spec: Forbidden: pod updates may not change fields other than/,
    );
    // an image may change: the admitted pod keeps its env and volumes, and takes the image
    const image = /image: (\S+)/.exec(pod)?.[1] as string;
    expect(
      (await svc.apply('demo', pod.replace(`image: ${image}`, 'image: amazon/aws-cli:2.17.0'))).map(
        (o) => o.action,
      ),
    ).toEqual(['configured']);
    const updated = await svc.get('demo', 'Pod', 'production', 's3-reader');
    const c = (updated.spec?.containers as { image: string; env?: unknown[] }[])[0];
    expect(c?.image).toBe('amazon/aws-cli:2.17.0');
    expect(updated.spec?.volumes).toEqual(stored.spec?.volumes);
    expect(admitted).toHaveLength(1);
  });

  it('refuses a pod whose ServiceAccount does not exist', async () => {
    await svc.apply('demo', namespace);
    const e = await failure(svc.apply('demo', readSeedPod()));
    expect(e.status).toMatchObject({
      reason: 'Forbidden',
      code: 403,
      message:
        'pods "s3-reader" is forbidden: error looking up service account production/s3-app: serviceaccount "s3-app" not found',
    });
  });

  it('leaves the store unchanged when any object is invalid', async () => {
    const before = await store.revision();
    const e = await failure(
      svc.apply(
        'demo',
        `${namespace}---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: Bad_Name\n  namespace: production\n`,
      ),
    );
    expect(e.status.reason).toBe('Invalid');
    expect(e.status.message).toBe(
      `The ServiceAccount "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
    expect(await store.revision()).toBe(before);
    // a failure half-way (the second pod's SA is missing) rolls back the first pod too
    await svc.apply('demo', `${namespace}---\n${seedSa}`);
    const rev = await store.revision();
    const twoPods = `${readSeedPod()}---\n${readSeedPod().replace('name: s3-reader', 'name: other').replace('serviceAccountName: s3-app', 'serviceAccountName: missing')}`;
    await failure(svc.apply('demo', twoPods));
    expect(await store.revision()).toBe(rev);
    await expect(svc.get('demo', 'Pod', 'production', 's3-reader')).rejects.toThrow(
      'pods "s3-reader" not found',
    );
  });

  it.each<[string, string, string]>([
    [
      'a pod without containers',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n',
      'The Pod "p" is invalid: spec.containers: Required value',
    ],
    [
      'containers without name and image',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {}\n',
      'The Pod "p" is invalid: [spec.containers[0].name: Required value, spec.containers[0].image: Required value]',
    ],
    [
      'a Deployment whose selector misses its template',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: b}}\n    spec: {containers: [{name: c, image: i}]}\n',
      'The Deployment "d" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`',
    ],
    [
      'a nameless object',
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: {}\n',
      'The ServiceAccount "" is invalid: metadata.name: Required value: name or generateName is required',
    ],
    [
      'an annotation that is not a string',
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: s\n  annotations:\n    eks.amazonaws.com/token-expiration: 86400\n',
      'ServiceAccount in version "v1" cannot be handled as a ServiceAccount: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.annotations of type string',
    ],
    [
      'an annotation key that is no qualified name',
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: s\n  annotations:\n    "bad key!": x\n',
      `The ServiceAccount "s" is invalid: metadata.annotations: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ],
    [
      'a label value with a space',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n  labels:\n    team: "a b"\n',
      `The Namespace "n" is invalid: metadata.labels: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ],
    [
      'volumeMounts of null',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: x, volumeMounts: [~]}\n',
      'The Pod "p" is invalid: [spec.containers[0].volumeMounts[0].name: Required value, spec.containers[0].volumeMounts[0].name: Not found: "", spec.containers[0].volumeMounts[0].mountPath: Required value]',
    ],
    [
      'volumeMounts that are not a list',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: x, volumeMounts: foo}\n',
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field Container.spec.containers.volumeMounts of type []v1.VolumeMount',
    ],
    [
      'volumes that are not a list',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: foo\n  containers:\n  - {name: c, image: x}\n',
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.volumes of type []v1.Volume',
    ],
    [
      'a name that is a number',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: 123}\n',
      'Namespace in version "v1" cannot be handled as a Namespace: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string',
    ],
    [
      'a boolean annotation (the type error comes before unknown fields)',
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: s\n  annotations:\n    eks.amazonaws.com/sts-regional-endpoints: true\nsecret: []\n',
      'ServiceAccount in version "v1" cannot be handled as a ServiceAccount: json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.annotations of type string',
    ],
    [
      'a Deployment whose env value is a number',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: i, env: [{name: PORT, value: 8080}]}]}\n',
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string',
    ],
    [
      'labels that are a list',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: [a]}\n',
      'Namespace in version "v1" cannot be handled as a Namespace: json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string',
    ],
    [
      'a Deployment whose template mounts a volume it does not have (no admission adds it)',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: i, volumeMounts: [{name: aws-iam-token, mountPath: /t}]}]}\n',
      'The Deployment "d" is invalid: spec.template.spec.containers[0].volumeMounts[0].name: Not found: "aws-iam-token"',
    ],
    [
      'a mount of a volume the pod does not have, and a volume twice',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: a, emptyDir: {}}, {name: a, emptyDir: {}}, {name: b}]\n  containers:\n  - {name: c, image: x, volumeMounts: [{name: nope, mountPath: /x}]}\n',
      'The Pod "p" is invalid: [spec.volumes[1].name: Duplicate value: "a", spec.volumes[2]: Required value: must specify a volume type, spec.containers[0].volumeMounts[0].name: Not found: "nope"]',
    ],
    [
      'a Deployment of more replicas than the local cluster runs',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 100000\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: i}]}\n',
      'The Deployment "d" is invalid: spec.replicas: Invalid value: 100000: irsakit\'s local cluster runs at most 100 replicas of a Deployment',
    ],
    [
      'a negative replicas (an int is printed bare)',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: -1\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: i}]}\n',
      'The Deployment "d" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'a Deployment without a selector (labels.Nothing() matches no template)',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    metadata: {labels: {app: a, tier: web}}\n    spec: {containers: [{name: c, image: i}]}\n',
      'The Deployment "d" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"a", "tier":"web"}: `selector` does not match template `labels`]',
    ],
    [
      'a Deployment with an empty selector',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {}\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: i}]}\n',
      'The Deployment "d" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ],
    [
      'a Deployment whose matchExpressions miss its template',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector:\n    matchExpressions: [{key: app, operator: In, values: [a, b]}, {key: canary, operator: DoesNotExist}]\n  template:\n    metadata: {labels: {app: a, canary: "yes"}}\n    spec: {containers: [{name: c, image: i}]}\n',
      'The Deployment "d" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"a", "canary":"yes"}: `selector` does not match template `labels`',
    ],
    [
      'a selector requirement of no operator, and In without values',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector:\n    matchExpressions: [{key: app, operator: Equals, values: [a]}, {key: tier, operator: In}]\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: i}]}\n',
      'The Deployment "d" is invalid: [spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator, spec.selector.matchExpressions[1].values: Required value: must be specified when `operator` is \'In\' or \'NotIn\', spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Equals", Values:[]string{"a"}}, v1.LabelSelectorRequirement{Key:"tier", Operator:"In", Values:[]string(nil)}}}: invalid label selector]',
    ],
    [
      'a selector with an unknown field (strict decoding)',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabel: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: i}]}\n',
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.selector.matchLabel"',
    ],
  ])('rejects %s with the API server’s message', async (_n, text, message) => {
    const e = await failure(svc.apply('demo', text));
    expect(e.status.message).toBe(message);
  });

  it('refuses an alias bomb and a manifest nested thousands of levels deep as bad requests', async () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n`;
    for (const text of [
      bomb,
      `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"s","namespace":"default"},"x":${'['.repeat(3000)}${']'.repeat(3000)}}`,
    ]) {
      const e = await failure(svc.apply('demo', text));
      expect(e.status.reason).toBe('BadRequest');
    }
    await expect(svc.get('demo', 'ServiceAccount', 'default', 's')).rejects.toThrow('not found');
  });

  it('skips and reports kinds it does not keep, and applies the rest', async () => {
    const out = await svc.apply(
      'demo',
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n---\n${namespace}`,
    );
    expect(out[0]).toMatchObject({ ref: 'configmap/cm', action: 'skipped' });
    expect(out[0]?.message).toContain('no matches for kind "ConfigMap" in version "v1"');
    expect(out[1]).toMatchObject({ ref: 'namespace/production', action: 'created' });
  });

  it('reads JSON and kind: List', async () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } },
      ],
    };
    expect((await svc.apply('demo', JSON.stringify(list))).map((o) => o.ref)).toEqual([
      'namespace/a',
      'namespace/b',
    ]);
    const e = await failure(svc.apply('demo', 'apiVersion: v1\nkind: [unclosed\n'));
    expect(e.status.reason).toBe('BadRequest');
  });
});

describe('deployments', () => {
  it('a Deployment whose ServiceAccount comes later in the same input gets its pods', async () => {
    await svc.apply('demo', namespace);
    const text = readSeed('001_fc2ddaed615f7002.txt', '# s3-app-deployment.yaml');
    // the Deployment first, as kubectl apply -f dir/ reads deployment.yaml before serviceaccount.yaml
    const docs = text.split(/^---$/m);
    const reversed = [...docs].reverse().join('\n---\n');
    expect((await svc.apply('demo', reversed)).map((o) => `${o.ref} ${o.action}`)).toEqual([
      'deployment.apps/s3-app created',
      'serviceaccount/s3-app created',
    ]);
    expect((await svc.list('demo', 'Pod', 'production')).items).toHaveLength(3);
  });

  it('turns the seed Deployment into `replicas` admitted pods, and restarts them', async () => {
    await svc.apply('demo', namespace);
    const text = readSeed('001_fc2ddaed615f7002.txt', '# s3-app-deployment.yaml');
    expect((await svc.apply('demo', text)).map((o) => `${o.ref} ${o.action}`)).toEqual([
      'serviceaccount/s3-app created',
      'deployment.apps/s3-app created',
    ]);
    const pods = (await svc.list('demo', 'Pod', 'production')).items;
    expect(pods).toHaveLength(3);
    expect(
      pods.every(
        (p) =>
          p.metadata?.labels?.app === 's3-app' &&
          p.metadata?.ownerReferences?.[0]?.kind === 'ReplicaSet',
      ),
    ).toBe(true);
    expect(admitted.filter((a) => a.sa === 's3-app')).toHaveLength(3);
    await svc.restartDeployment('demo', 'production', 's3-app');
    const after = (await svc.list('demo', 'Pod', 'production')).items.map((p) => p.metadata?.name);
    expect(after).toHaveLength(3);
    expect(after.some((n) => pods.some((p) => p.metadata?.name === n))).toBe(false);
    expect(admitted.filter((a) => a.sa === 's3-app')).toHaveLength(6);
    await svc.delete('demo', 'Deployment', 'production', 's3-app');
    expect((await svc.list('demo', 'Pod', 'production')).items).toEqual([]);
  });
});

/** A Deployment of `replicas` pods of ServiceAccount `sa` in production, keys in the usual order. */
const web = (replicas = 2, sa = 's3-app', extra = '') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: production\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      serviceAccountName: ${sa}\n      containers:\n      - name: c\n        image: nginx${extra}\n`;
const podNames = async (s = svc) =>
  (await s.list('demo', 'Pod', 'production')).items
    .map((p) => p.metadata?.name as string)
    .filter((n) => n.startsWith('web-'))
    .sort();
const statusOf = async (s = svc) => (await s.get('demo', 'Deployment', 'production', 'web')).status;

describe('deployments: the controllers’ work', () => {
  beforeEach(async () => {
    await svc.apply('demo', `${namespace}---\n${seedSa}`);
  });

  it('a deleted pod of a Deployment is replaced at once by a new one, admitted afresh', async () => {
    await svc.apply('demo', web());
    const before = await podNames();
    expect(before).toHaveLength(2);
    expect(await statusOf()).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    });
    const admissions = admitted.length;
    const gone = before[0] as string;
    expect((await svc.delete('demo', 'Pod', 'production', gone)).action).toBe('deleted');
    const after = await podNames();
    expect(after).toHaveLength(2);
    expect(after).not.toContain(gone);
    expect(after).toContain(before[1]);
    // the same ReplicaSet (template hash), a new random suffix
    const fresh = after.find((n) => n !== before[1]) as string;
    expect(fresh.slice(0, -5)).toBe(gone.slice(0, -5));
    expect(admitted.length).toBe(admissions + 1);
    expect(await svc.admission('demo', 'production', fresh)).toBeDefined();
    expect((await statusOf())?.readyReplicas).toBe(2);
    // re-applying has nothing to do
    expect((await svc.apply('demo', web()))[0]?.action).toBe('unchanged');
    expect(await podNames()).toEqual(after);
  });

  it('a Deployment whose pods cannot be admitted is stored; its pods come once the ServiceAccount exists', async () => {
    const out = await svc.apply('demo', web(2, 'missing-sa'));
    expect(out.map((o) => `${o.ref} ${o.action}`)).toEqual(['deployment.apps/web created']);
    expect(await podNames()).toEqual([]);
    const dep = await svc.get('demo', 'Deployment', 'production', 'web');
    const hash = templateHashOf(dep);
    expect(dep.status).toEqual({
      observedGeneration: 1,
      unavailableReplicas: 2,
      conditions: [
        expect.objectContaining({
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'Deployment does not have minimum availability.',
        }),
        expect.objectContaining({
          type: 'Progressing',
          status: 'True',
          reason: 'ReplicaSetUpdated',
          message: `ReplicaSet "web-${hash}" is progressing.`,
        }),
        expect.objectContaining({
          type: 'ReplicaFailure',
          status: 'True',
          reason: 'FailedCreate',
          message: `pods "web-${hash}-" is forbidden: error looking up service account production/missing-sa: serviceaccount "missing-sa" not found`,
        }),
      ],
    });
    // the ServiceAccount's creation is when the ReplicaSet's retry succeeds
    await svc.apply('demo', seedSa.replace('name: s3-app', 'name: missing-sa'));
    expect(await podNames()).toHaveLength(2);
    const status = await statusOf();
    expect(status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect((status?.conditions as { type: string }[]).map((c) => c.type)).toEqual([
      'Available',
      'Progressing',
    ]);
  });

  it('a rolling update whose new pods cannot be made keeps the old ones (maxUnavailable), and finishes when they can', async () => {
    await svc.apply('demo', seedSa.replace('name: s3-app', 'name: app-sa'));
    await svc.apply('demo', web(3, 'app-sa'));
    const running = await podNames();
    expect(running).toHaveLength(3);
    await svc.delete('demo', 'ServiceAccount', 'production', 'app-sa');
    // a new image: the new ReplicaSet's pods are refused, the app keeps running on the old
    await svc.apply('demo', web(3, 'app-sa', ':2'));
    expect(await podNames()).toEqual(running);
    const stalled = await statusOf();
    expect(stalled).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(stalled?.updatedReplicas).toBeUndefined();
    expect((stalled?.conditions as { type: string }[]).map((c) => c.type)).toContain(
      'ReplicaFailure',
    );
    // the ServiceAccount back: the rollout completes, the old pods go
    await svc.apply('demo', seedSa.replace('name: s3-app', 'name: app-sa'));
    const rolled = await podNames();
    expect(rolled).toHaveLength(3);
    expect(rolled.filter((n) => running.includes(n))).toEqual([]);
    expect(await statusOf()).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3 });
  });

  it('a Deployment whose pods the webhook makes invalid is stored, with the refusal in its status', async () => {
    const real = await withRealWebhook();
    await real.apply(
      'demo',
      seedSa.replace(
        'eks.amazonaws.com/token-expiration: "86400"',
        'eks.amazonaws.com/token-expiration: "99999999999"',
      ),
    );
    expect((await real.apply('demo', web()))[0]?.action).toBe('created');
    expect(await podNames(real)).toEqual([]);
    const failureCondition = (
      (await statusOf(real))?.conditions as { type: string; message: string }[]
    ).find((c) => c.type === 'ReplicaFailure') as { message: string };
    expect(failureCondition.message).toMatch(
      /^Pod "web-[a-z0-9]{10}-[a-z0-9]{5}" is invalid: spec\.volumes\[0\]\.projected\.sources\[0\]\.serviceAccountToken\.expirationSeconds: Invalid value: 99999999999: may not specify a duration larger than 2\^32 seconds$/,
    );
    await real.apply('demo', seedSa);
    expect(await podNames(real)).toHaveLength(2);
  });

  it('apply keeps what others set: a pod’s admission label, a restart’s restartedAt', async () => {
    // a webhook that labels the pod, as the pod-identity webhook does
    const labelling = new ClusterService({
      store,
      clock: fixedClock('2026-11-22T10:00:00Z'),
      randomHex: (n) => (++counter).toString(16).padStart(n * 2, '0'),
      admit: ({ pod }) => ({
        pod: {
          ...pod,
          metadata: {
            ...pod.metadata,
            labels: { ...pod.metadata?.labels, 'eks.amazonaws.com/pod-identity': 'enabled' },
          },
        },
        mode: 'pod-identity',
        warnings: [],
      }),
      issuerBase: 'https://127.0.0.1:4578',
    });
    const pod = readSeedPod();
    await labelling.apply('demo', pod);
    const retagged = pod.replace(/image: .*/, 'image: amazon/aws-cli:2.17.0');
    expect((await labelling.apply('demo', retagged))[0]?.action).toBe('configured');
    const live = await labelling.get('demo', 'Pod', 'production', 's3-reader');
    expect(live.metadata?.labels?.['eks.amazonaws.com/pod-identity']).toBe('enabled');
    expect((live.spec?.containers as { image: string }[])[0]?.image).toBe('amazon/aws-cli:2.17.0');
    // a label the manifest drops since it was last applied goes; one never applied stays
    const labelled = (labels: string) =>
      retagged.replace(
        'metadata:\n  name: s3-reader',
        `metadata:\n  name: s3-reader\n  labels: {${labels}}`,
      );
    await labelling.apply('demo', labelled('app: s3, team: a'));
    await labelling.apply('demo', labelled('app: s3'));
    expect(
      (await labelling.get('demo', 'Pod', 'production', 's3-reader')).metadata?.labels,
    ).toEqual({ app: 's3', 'eks.amazonaws.com/pod-identity': 'enabled' });
    // (labels dropped whole are a `labels: null` in kubectl's patch: the map goes)
    await labelling.apply('demo', retagged);
    expect(
      (await labelling.get('demo', 'Pod', 'production', 's3-reader')).metadata?.labels,
    ).toBeUndefined();

    await svc.apply('demo', web());
    await svc.restartDeployment('demo', 'production', 'web');
    const restarted = await podNames();
    expect((await svc.apply('demo', web(2)))[0]?.action).toBe('unchanged');
    expect((await svc.apply('demo', web(3)))[0]?.action).toBe('configured');
    const dep = await svc.get('demo', 'Deployment', 'production', 'web');
    const template = dep.spec?.template as KubeObject;
    expect(template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(
      '2026-11-22T10:00:00Z',
    );
    // a scale, no rollout: the two pods stay, one more comes
    const scaled = await podNames();
    expect(scaled).toHaveLength(3);
    expect(scaled).toEqual(expect.arrayContaining(restarted));
    expect(dep.metadata?.generation).toBe(3);
    expect(dep.status?.observedGeneration).toBe(3);
  });

  it('the same object in another key order or with an omitempty list empty is the same: nothing rolls, no pod update is refused', async () => {
    await svc.apply('demo', web());
    const pods = await podNames();
    const reordered = `kind: Deployment\napiVersion: apps/v1\nspec:\n  template:\n    spec:\n      containers:\n      - image: nginx\n        name: c\n      serviceAccountName: s3-app\n    metadata:\n      labels: {app: web}\n  selector:\n    matchLabels: {app: web}\n  replicas: 2\nmetadata:\n  namespace: production\n  name: web\n`;
    expect((await svc.apply('demo', reordered))[0]?.action).toBe('unchanged');
    expect(await podNames()).toEqual(pods);
    // `env: []` decodes as no env: the annotation kubectl keeps changes, the template does not
    expect((await svc.apply('demo', web(2, 's3-app', '\n        env: []')))[0]?.action).toBe(
      'configured',
    );
    expect(await podNames()).toEqual(pods);

    await svc.apply('demo', readSeedPod());
    const withEmpty = readSeedPod().replace(
      /( +)image: (.*)/,
      '$1image: $2\n$1env: []\n$1args: []',
    );
    expect((await svc.apply('demo', withEmpty))[0]?.action).toBe('configured');
    const changed = await failure(svc.apply('demo', withEmpty.replace('args: []', 'args: [x]')));
    expect(changed.status.message).toContain('spec: Forbidden: pod updates may not change fields');
  });

  it('selects with matchExpressions, and keeps a Deployment’s selector as it was made', async () => {
    const expressions = web().replace(
      'matchLabels: {app: web}',
      'matchExpressions: [{key: app, operator: In, values: [web, www]}, {key: canary, operator: DoesNotExist}]',
    );
    expect((await svc.apply('demo', expressions))[0]?.action).toBe('created');
    expect(await podNames()).toHaveLength(2);
    const e = await failure(
      svc.apply(
        'demo',
        expressions.replace(
          '{key: app, operator: In, values: [web, www]}',
          '{key: app, operator: Exists}',
        ),
      ),
    );
    expect(e.status).toMatchObject({ reason: 'Invalid', code: 422 });
    expect(e.status.message).toBe(
      'The Deployment "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Exists", Values:[]string(nil)}, v1.LabelSelectorRequirement{Key:"canary", Operator:"DoesNotExist", Values:[]string(nil)}}}: field is immutable',
    );
  });
});

/** The pod-template hash of a Deployment's ReplicaSet, as its pods' label shows it. */
function templateHashOf(dep: KubeObject): string {
  return templateHash(dep.spec?.template);
}

function readSeed(file: string, marker: string): string {
  const text = readFileSync(
    fileURLToPath(new URL(`../../../shared/seeds/${file}`, import.meta.url)),
    'utf8',
  );
  const start = text.indexOf(marker);
  const end = text.indexOf('```', start);
  return text.slice(start, end);
}

function readSeedPod(): string {
  return readSeed('001_fc2ddaed615f7002.txt', '# s3-reader-pod.yaml');
}

export type { KubeObject };

/** The cluster service over this test's store, admitting through the real webhook. */
async function withRealWebhook(): Promise<ClusterService> {
  const { webhookAdmission } = await import('../server/admission.js');
  return new ClusterService({
    store,
    clock: fixedClock('2026-11-22T10:00:00Z'),
    randomHex: (n) => (++counter).toString(16).padStart(n * 2, '0'),
    admit: webhookAdmission(),
    issuerBase: 'https://127.0.0.1:4578',
  });
}

describe('admission through the real webhook (the seeds’ FAQ)', () => {
  it('a pod created before its ServiceAccount was annotated keeps no IRSA env until it is re-created', async () => {
    const real = await withRealWebhook();
    const envOf = async () => {
      const pod = await real.get('demo', 'Pod', 'production', 's3-reader');
      return ((pod.spec?.containers as { env?: { name: string }[] }[])[0]?.env ?? []).map(
        (e) => e.name,
      );
    };
    const bareSa = seedSa.replace(/ {2}annotations:[\s\S]*$/, '');
    await real.apply('demo', `${namespace}---\n${bareSa}`);
    await real.apply('demo', readSeedPod());
    expect(await envOf()).toEqual([]);
    expect((await real.admission('demo', 'production', 's3-reader'))?.mode).toBe('none');
    // annotating the ServiceAccount changes nothing for the running pod
    expect((await real.apply('demo', seedSa)).map((o) => o.action)).toEqual(['configured']);
    expect(await envOf()).toEqual([]);
    // re-creating it does
    await real.delete('demo', 'Pod', 'production', 's3-reader');
    await real.apply('demo', readSeedPod());
    expect(await envOf()).toEqual([
      'AWS_STS_REGIONAL_ENDPOINTS',
      'AWS_DEFAULT_REGION',
      'AWS_REGION',
      'AWS_ROLE_ARN',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ]);
    const pod = await real.get('demo', 'Pod', 'production', 's3-reader');
    const volumes = (
      pod.spec?.volumes as {
        name: string;
        projected?: { sources: { serviceAccountToken?: unknown }[] };
      }[]
    ).map((v) => v.name);
    expect(volumes[0]).toBe('aws-iam-token');
    expect(volumes[1]).toMatch(/^kube-api-access-/);
    expect((await real.admission('demo', 'production', 's3-reader'))?.mode).toBe('irsa');

    // pod validation runs after the webhook: a token lifetime no kubelet could ask for is
    // refused at creation, not stored as a pod whose token can never be issued
    await real.apply(
      'demo',
      seedSa.replace(
        'eks.amazonaws.com/token-expiration: "86400"',
        'eks.amazonaws.com/token-expiration: "99999999999"',
      ),
    );
    await real.delete('demo', 'Pod', 'production', 's3-reader');
    const e = await failure(real.apply('demo', readSeedPod()));
    expect(e.status.message).toBe(
      'The Pod "s3-reader" is invalid: spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 99999999999: may not specify a duration larger than 2^32 seconds',
    );
    await expect(real.get('demo', 'Pod', 'production', 's3-reader')).rejects.toThrow('not found');
  });

  it('a pod labelled eks.amazonaws.com/skip-pod-identity-webhook never reaches the webhook', async () => {
    const real = await withRealWebhook();
    await real.apply('demo', `${namespace}---\n${seedSa}`);
    await real.apply(
      'demo',
      readSeedPod().replace(
        'metadata:\n  name: s3-reader',
        'metadata:\n  name: s3-reader\n  labels:\n    eks.amazonaws.com/skip-pod-identity-webhook: "true"',
      ),
    );
    const pod = await real.get('demo', 'Pod', 'production', 's3-reader');
    expect(
      (pod.metadata?.labels as Record<string, string>)[
        'eks.amazonaws.com/skip-pod-identity-webhook'
      ],
    ).toBe('true');
    expect((pod.spec?.containers as { env?: unknown[] }[])[0]?.env).toBeUndefined();
    expect((await real.admission('demo', 'production', 's3-reader'))?.mode).toBe('none');
  });
});
