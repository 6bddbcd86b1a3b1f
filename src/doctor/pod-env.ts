/**
 * The pod step "the pod has the web-identity env and token volume": per container its
 * AWS_ROLE_ARN, its AWS_WEB_IDENTITY_TOKEN_FILE (the projected token), its region (in the
 * role's partition) and its token mount, and the pod's projected volume — each problem with
 * what the SDK really does about it, and the fix where the problem lies.
 *
 * The webhook injects into a container only what it does not set itself (the two credential
 * variables, or neither; a region when it has none), and only at admission. So a value the
 * pod's own manifest sets is changed in that manifest — re-creating the pod from it changes
 * nothing — and only what the webhook would have injected and did not (a pod admitted before
 * its ServiceAccount's annotation) is fixed by re-creating the pod. Pure.
 */
import { parseArn } from '../policy/arn.js';
import { parseCsvRecord } from '../webhook/go-parse.js';
import {
  DEFAULT_ANNOTATION_PREFIX,
  IRSA_VOLUME_NAME,
  MIN_TOKEN_EXPIRATION,
  partitionForRegion,
} from '../webhook/options.js';
import { check } from './checks-iam.js';
import {
  type ContainerView,
  type Derived,
  ROLE_ARN_ANNOTATION,
  containersOf,
  recreateFix,
  tokenVolume,
} from './derive.js';
import type { CheckResult, PodView } from './types.js';

const q = (s: string) => `\`${s}\``;
const podName = (p: PodView) => p.object.metadata?.name ?? p.deployment ?? '?';

/** How the report names a pod: a Deployment's pod template in static mode. */
export const label = (p: PodView) =>
  p.manifest && p.deployment ? `the pods of deployment ${p.deployment}` : `pod ${podName(p)}`;

const SKIP_CONTAINERS = `${DEFAULT_ANNOTATION_PREFIX}/skip-containers`;

/** what an SDK does without both credential variables (its chain goes on to the node's role) */
const NO_WEB_IDENTITY =
  'the SDK finds no web identity and fails with "Unable to locate credentials" (or falls back to the node\'s role)';
const unreadable = (file: string) => `the SDK fails reading ${file} ("No such file or directory")`;

/** a region of each partition, for a fix that needs one */
const EXAMPLE_REGION: Readonly<Record<string, string>> = {
  aws: 'us-east-1',
  'aws-cn': 'cn-north-1',
  'aws-us-gov': 'us-gov-west-1',
};

const isWindowsPath = (p: string) => /^[A-Za-z]:\\/.test(p);
const cleanPath = (p: string) => p.replace(/\/+$/, '');

/** The containers the pod's skip-containers annotation names (the webhook leaves them alone). */
function skippedContainers(p: PodView): Set<string> {
  const raw = p.object.metadata?.annotations?.[SKIP_CONTAINERS];
  return new Set(raw === undefined ? [] : (parseCsvRecord(raw) ?? []));
}

/**
 * Whether the webhook mutated the pod for IRSA: live, its admission record says so; static,
 * the object is the webhook's preview, which mutates when the ServiceAccount names a role.
 * Then whatever is wrong with its env came from its own manifest.
 */
function mutated(d: Derived, p: PodView): boolean {
  return p.manifest ? Boolean(d.settings?.roleArn) : p.admission?.mode === 'irsa';
}

/** A change to the pod's own manifest, and how to make the pod take it. */
function inManifest(d: Derived, p: PodView, change: string): string {
  if (p.manifest) return `in ${p.source ?? 'the manifest'}, ${change}, then apply it`;
  if (p.deployment)
    return `in deployment ${p.deployment}'s manifest (spec.template), ${change}, then irsa apply -f <its manifest> (the changed template replaces its pods)`;
  // a pod's spec cannot change in place: it is deleted and created again from the manifest
  return `in pod ${podName(p)}'s manifest, ${change}, then re-create the pod: irsa delete pod ${podName(p)} -n ${d.ns}, then irsa apply -f <its manifest>`;
}

/** The pod admitted afresh, so that the webhook injects what it did not. */
function readmit(d: Derived, p: PodView): string {
  if (!d.settings?.roleArn)
    return `annotate ServiceAccount ${d.ns}/${d.saName ?? '?'} with ${ROLE_ARN_ANNOTATION}, then ${p.manifest ? 'apply' : recreateFix(p, d.ns)}`;
  return p.manifest
    ? `remove the AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE the manifest sets itself, or the ${SKIP_CONTAINERS} annotation`
    : recreateFix(p, d.ns);
}

interface Problem {
  text: string;
  fix: string;
}

/**
 * A container's region variables that name a region of another partition than its role's:
 * the SDK then asks the STS of that partition, where neither the role nor the cluster's
 * provider exists (AWS's IRSA troubleshooting: "For the AWS China Region, check the
 * AWS_DEFAULT_REGION environment variable").
 */
function regionProblem(
  d: Derived,
  p: PodView,
  c: ContainerView,
  partition: string | undefined,
): Problem | undefined {
  if (partition === undefined) return undefined;
  const wrong = ['AWS_REGION', 'AWS_DEFAULT_REGION'].flatMap((name) => {
    const value = c.env.get(name);
    return value && partitionForRegion(value) !== partition
      ? [{ name, value, partition: partitionForRegion(value) }]
      : [];
  });
  const first = wrong[0];
  if (!first) return undefined;
  const samePartition = wrong.every((w) => w.partition === first.partition);
  const values = new Set(wrong.map((w) => w.value));
  const vars = wrong.map((w) => `${w.name}=${w.value}`).join(' and ');
  const names = wrong.map((w) => w.name).join(' and ');
  const region = d.s.region;
  // the webhook sets both to the cluster's region, and only in a container that sets neither
  const webhooks =
    mutated(d, p) &&
    region !== undefined &&
    wrong.every((w) => w.value === region) &&
    c.env.get('AWS_REGION') === c.env.get('AWS_DEFAULT_REGION');
  const clusterOk = region !== undefined && partitionForRegion(region) === partition;
  const example = clusterOk ? region : EXAMPLE_REGION[partition];
  const to = `a region of partition ${partition}${example ? ` (e.g. ${example})` : ''}`;
  const text = `container ${q(c.name)} has ${vars}, ${samePartition ? `${values.size > 1 ? 'regions' : 'a region'} of partition ${first.partition}` : 'regions of other partitions'}, but its role is in ${partition}${webhooks ? ` (the webhook's, from the cluster's region ${region})` : ''}: the SDK sends AssumeRoleWithWebIdentity to the STS of ${samePartition ? `partition ${first.partition}` : 'that partition'}, where neither the role nor the cluster's OIDC provider exists: STS refuses the token, and the SDK fails with that error rather than trying other credentials`;
  const fix = webhooks
    ? `${inManifest(d, p, `set ${names} to ${to} in container ${q(c.name)}'s env (the webhook keeps a container's own region)`)}; or name a role of partition ${first.partition}`
    : inManifest(
        d,
        p,
        `change ${names} in container ${q(c.name)}'s env to ${to}${clusterOk ? `, or remove ${wrong.length > 1 ? 'them' : 'it'} (the webhook then sets the cluster's region ${region})` : ''}`,
      );
  return { text, fix };
}

/** What is wrong with one container's web identity, and where to fix it. */
function containerProblems(
  d: Derived,
  p: PodView,
  c: ContainerView,
  volume: ReturnType<typeof tokenVolume>,
): { problems: Problem[]; warns: string[] } {
  const problems: Problem[] = [];
  const warns: string[] = [];
  const roleEnv = c.env.get('AWS_ROLE_ARN');
  const file = c.env.get('AWS_WEB_IDENTITY_TOKEN_FILE');
  const skipped = skippedContainers(p).has(c.name);
  const mount = c.mounts.find((m) => m.name === IRSA_VOLUME_NAME);
  const projected = mount && volume ? `${cleanPath(mount.mountPath)}/${volume.path}` : undefined;
  if (!roleEnv && !file) {
    problems.push(
      skipped
        ? {
            text: `container ${q(c.name)} lacks AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE: the pod's ${SKIP_CONTAINERS} annotation names it, so the webhook leaves it alone: ${NO_WEB_IDENTITY}`,
            fix: inManifest(
              d,
              p,
              `remove ${q(c.name)} from the pod's ${SKIP_CONTAINERS} annotation`,
            ),
          }
        : {
            text: `container ${q(c.name)} lacks AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE: ${NO_WEB_IDENTITY}`,
            fix: readmit(d, p),
          },
    );
    return { problems, warns };
  }
  if (!roleEnv || !file) {
    // the webhook injects both or neither: the one present is the manifest's own
    const own = roleEnv ? 'AWS_ROLE_ARN' : 'AWS_WEB_IDENTITY_TOKEN_FILE';
    const lacks = roleEnv ? 'AWS_WEB_IDENTITY_TOKEN_FILE' : 'AWS_ROLE_ARN';
    const stray =
      file && projected && file !== projected && !isWindowsPath(file)
        ? ` (and ${file} is not the projected token, ${projected})`
        : '';
    problems.push({
      text: `container ${q(c.name)} sets ${own}=${roleEnv ?? file ?? ''} itself and lacks ${lacks}${stray}: the webhook injects the two only into a container that sets neither, and the SDKs take a web identity only from both: ${NO_WEB_IDENTITY}`,
      fix: inManifest(
        d,
        p,
        `remove ${own} from container ${q(c.name)}'s env (the webhook then injects both${projected ? `, the token file ${projected}` : ''})${roleEnv && projected ? `, or set AWS_WEB_IDENTITY_TOKEN_FILE=${projected} beside it` : ''}`,
      ),
    });
    return { problems, warns };
  }
  // both set: the webhook injects only the projected token's path, so another is the manifest's
  if (projected !== undefined && file !== projected && !isWindowsPath(file))
    problems.push({
      text: `container ${q(c.name)} has AWS_WEB_IDENTITY_TOKEN_FILE=${file}, but the projected token is ${projected}: ${unreadable(file)}`,
      fix: inManifest(
        d,
        p,
        `set AWS_WEB_IDENTITY_TOKEN_FILE=${projected} in container ${q(c.name)}'s env (or remove it and AWS_ROLE_ARN: the webhook then injects both)`,
      ),
    });
  const region = regionProblem(d, p, c, parseArn(roleEnv)?.partition);
  if (region) problems.push(region);
  for (const name of ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'])
    if (c.env.get(name))
      warns.push(
        `container ${q(c.name)} sets ${name}=${c.env.get(name) as string}: the SDK sends its STS calls there, not to AWS`,
      );
  if (d.roleArn && roleEnv !== d.roleArn && d.roleArnSource === 'annotation')
    warns.push(
      `container ${q(c.name)} of ${label(p)} has AWS_ROLE_ARN=${roleEnv}, not the annotation's ${d.roleArn}`,
    );
  if (!mount) {
    const dir = file.slice(0, Math.max(0, file.lastIndexOf('/')));
    const clash = c.mounts.find((m) => dir !== '' && cleanPath(m.mountPath) === cleanPath(dir));
    const text = `container ${q(c.name)} does not mount volume ${IRSA_VOLUME_NAME}`;
    problems.push(
      skipped
        ? {
            text: `${text} (the pod's ${SKIP_CONTAINERS} annotation names it): ${unreadable(file)}`,
            fix: inManifest(
              d,
              p,
              `remove ${q(c.name)} from the pod's ${SKIP_CONTAINERS} annotation`,
            ),
          }
        : clash
          ? {
              text: `${text}: its mount ${q(clash.name)} already uses ${dir}, where the webhook mounts the token: ${unreadable(file)}`,
              fix: inManifest(d, p, `mount ${q(clash.name)} of container ${q(c.name)} elsewhere`),
            }
          : mutated(d, p)
            ? {
                text: `${text}: ${unreadable(file)}`,
                fix: inManifest(
                  d,
                  p,
                  `mount volume ${IRSA_VOLUME_NAME} at ${dir || '<the token file’s folder>'} in container ${q(c.name)}`,
                ),
              }
            : { text: `${text}: ${unreadable(file)}`, fix: readmit(d, p) },
    );
  }
  return { problems, warns };
}

/** What is wrong with the pod's projected token volume. */
function volumeProblem(
  d: Derived,
  p: PodView,
  volume: ReturnType<typeof tokenVolume>,
): Problem | undefined {
  if (!volume) {
    const own = ((p.object.spec?.volumes as { name?: unknown }[] | undefined) ?? []).some(
      (v) => v?.name === IRSA_VOLUME_NAME,
    );
    // the webhook adds its volume only to a pod that has none of that name
    return own
      ? {
          text: `the pod's own volume ${IRSA_VOLUME_NAME} has no serviceAccountToken, and the webhook adds its volume only to a pod without one of that name: the SDK finds no token`,
          fix: inManifest(d, p, `rename the pod's volume ${IRSA_VOLUME_NAME}`),
        }
      : {
          text: `no projected volume ${IRSA_VOLUME_NAME} with a serviceAccountToken`,
          fix: readmit(d, p),
        };
  }
  if (volume.expirationSeconds !== undefined && volume.expirationSeconds < MIN_TOKEN_EXPIRATION)
    return {
      text: `the token's expirationSeconds ${volume.expirationSeconds} is under ${MIN_TOKEN_EXPIRATION}`,
      fix: inManifest(
        d,
        p,
        `set expirationSeconds of volume ${IRSA_VOLUME_NAME} to at least ${MIN_TOKEN_EXPIRATION}`,
      ),
    };
  return undefined;
}

/**
 * The pod-env step over the snapshot's pods.
 *
 * @example
 * checkPodEnv(derive(snapshot)).fix
 * // → "in pod regpod's manifest, change AWS_REGION … to a region of partition aws (e.g. us-east-1), …, then re-create the pod: …"
 */
export function checkPodEnv(d: Derived): CheckResult {
  const id = 'pod-env';
  const s = d.s;
  if (s.pods.length === 0) return check(id, 'skip', 'no pod to check');
  const problems: Problem[] = [];
  const goods: string[] = [];
  const warns: string[] = [];
  let staticKeys = false;
  for (const p of s.pods) {
    const all = containersOf(p.object);
    const containers = s.target.container ? all.filter((c) => c.name === s.target.container) : all;
    if (s.target.container && containers.length === 0) {
      problems.push({
        text: `${label(p)} has no container ${q(s.target.container)} (it has ${all.map((c) => q(c.name)).join(', ')})`,
        fix: `name one of its containers with --container`,
      });
      continue;
    }
    // every SDK's default chain takes keys from the environment first: the pod never uses
    // its role, whatever the webhook mounted (seed 002's "most direct anti-pattern")
    const keyed = containers.filter((c) => c.env.has('AWS_ACCESS_KEY_ID'));
    if (keyed.length > 0) {
      problems.push({
        text: `${label(p)}: ${keyed.map((c) => `container ${q(c.name)}`).join(', ')} ${keyed.length > 1 ? 'set' : 'sets'} AWS_ACCESS_KEY_ID: the SDKs take these static keys before the pod's token and never call STS as the role`,
        fix: '',
      });
      staticKeys = true;
      continue;
    }
    const podIdentity = containers.some((c) => c.env.has('AWS_CONTAINER_CREDENTIALS_FULL_URI'));
    if (podIdentity) {
      goods.push(`${label(p)} uses EKS Pod Identity (AWS_CONTAINER_CREDENTIALS_FULL_URI)`);
      continue;
    }
    const volume = tokenVolume(p.object, IRSA_VOLUME_NAME);
    const mine: Problem[] = [];
    for (const c of containers) {
      const r = containerProblems(d, p, c, volume);
      mine.push(...r.problems);
      warns.push(...r.warns);
      if (!c.env.get('AWS_REGION') && !c.env.get('AWS_DEFAULT_REGION'))
        warns.push(
          `container ${q(c.name)} has no AWS_REGION (the SDKs then need one from elsewhere)`,
        );
    }
    const v = volumeProblem(d, p, volume);
    if (v) mine.push(v);
    if (mine.length > 0)
      problems.push({
        text: `${label(p)}: ${mine.map((m) => m.text).join('; ')}`,
        fix: [...new Set(mine.map((m) => m.fix))].join('; '),
      });
    else
      goods.push(
        `${label(p)}: AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and volume ${IRSA_VOLUME_NAME} (audience ${volume?.audience ?? 'the API server’s'}, ${volume?.expirationSeconds ?? 3600}s)${p.manifest ? ' once admitted' : ''}`,
      );
  }
  if (staticKeys)
    return check(
      id,
      'fail',
      problems.map((m) => m.text).join('; '),
      'remove AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) from the pod spec, and the Secret they come from; IRSA gives the pod its credentials',
    );
  if (problems.length > 0)
    return check(
      id,
      'fail',
      problems.map((m) => m.text).join('; '),
      [...new Set(problems.map((m) => m.fix))].join('; '),
    );
  if (warns.length > 0) return check(id, 'warn', [...goods, ...warns].join('; '), null);
  return check(id, 'pass', goods.join('; '));
}
