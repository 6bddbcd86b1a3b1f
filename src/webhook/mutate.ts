/**
 * The mutation of amazon-eks-pod-identity-webhook, as a pure function: pod + service account
 * + options → mode and JSON Patch (spec/webhook.md §2–§7). Mode choice (§4): Pod Identity
 * when the (namespace, SA) pair is a container-credentials identity, else IRSA when a role
 * ARN is known (SA annotation, then the ConfigMap's exact, then wildcard entry), else none.
 *
 * Two deliberate departures from upstream, both invisible on the conformance corpus:
 * containers are passed through as given (upstream re-encodes them and drops fields its Go
 * types do not know, e.g. sidecar `restartPolicy`, issue #208), and a mount is not added when
 * another mount of the container already uses the mount path (upstream adds a duplicate
 * mountPath and the pod fails validation, issue #159); a warning says so instead.
 */
import { posix } from 'node:path';
import { lookupConfigMap } from './config-map.js';
import { parseCsvRecord, parseGoBool, parseGoInt64 } from './go-parse.js';
import { escapePointerToken } from './json-patch.js';
import {
  DEFAULT_TOKEN_EXPIRATION,
  IRSA_TOKEN_FILE,
  IRSA_VOLUME_NAME,
  isWellFormedRoleArn,
  JITTER_MAX,
  JITTER_MIN,
  MIN_TOKEN_EXPIRATION,
  POD_IDENTITY_LABEL,
} from './options.js';
import type {
  Container,
  EnvVar,
  JsonPatchOp,
  MutationInput,
  MutationMode,
  MutationResult,
  RandomInt,
  ServiceAccount,
  Volume,
  VolumeMount,
  WebhookOptions,
} from './types.js';

/** What the webhook's cache derives from a ServiceAccount's annotations (spec §2.1). */
export interface ServiceAccountSettings {
  /** `''` means no role */
  roleArn: string;
  audience: string;
  regionalSts: boolean;
  tokenExpiration: number;
}

/** Uniform integer in [min, max] from `Math.random` (the default jitter source). */
export const mathRandomInt: RandomInt = (min, max) =>
  min + Math.floor(Math.random() * (max - min + 1));

const clampExpiration = (n: number) => Math.max(MIN_TOKEN_EXPIRATION, n);

/** The token-expiration annotation: invalid → undefined (ignored), < 600 → 600. */
function expirationAnnotation(
  value: string | undefined,
  where: string,
  warnings: string[],
): number | undefined {
  if (value === undefined) return undefined;
  const n = parseGoInt64(value);
  if (n === undefined) {
    warnings.push(`${where}: \`${value}\` is not a base-10 integer; ignored`);
    return undefined;
  }
  return clampExpiration(n);
}

/**
 * Reads a ServiceAccount's annotations under `options.annotationPrefix` with upstream's
 * parsing and the flag defaults: role-arn verbatim (composed with `--compose-role-arn` when
 * it has no `arn:`; a malformed ARN is still used, with a warning), audience verbatim,
 * sts-regional-endpoints as a Go boolean, token-expiration as a Go int64 raised to 600.
 *
 * @example
 * const s = serviceAccountSettings(sa, defaultWebhookOptions());
 * s.roleArn; // 'arn:aws:iam::111122223333:role/s3-reader'
 */
export function serviceAccountSettings(
  sa: ServiceAccount,
  options: WebhookOptions,
  warnings: string[] = [],
): ServiceAccountSettings {
  const annotations = sa.metadata.annotations ?? {};
  const p = options.annotationPrefix;
  const at = (name: string) => {
    const key = `${p}/${name}`;
    return Object.hasOwn(annotations, key) ? annotations[key] : undefined;
  };
  const where = (name: string) =>
    `service account ${sa.metadata.namespace ?? ''}/${sa.metadata.name} annotation \`${p}/${name}\``;

  let roleArn = at('role-arn') ?? '';
  if (roleArn !== '' && options.composeRoleArn && !roleArn.includes('arn:')) {
    const { partition, account } = options.composeRoleArn;
    roleArn = `arn:${partition}:iam::${account}:role/${roleArn}`;
  }
  if (roleArn !== '' && !isWellFormedRoleArn(roleArn)) {
    warnings.push(
      `${where('role-arn')}: \`${roleArn}\` does not look like a role ARN; used anyway`,
    );
  }

  const sts = at('sts-regional-endpoints');
  let regionalSts = parseGoBool(sts ?? '');
  if (sts !== undefined && regionalSts === undefined) {
    warnings.push(`${where('sts-regional-endpoints')}: \`${sts}\` is not a boolean; ignored`);
  }
  regionalSts ??= options.stsRegionalEndpoint;

  return {
    roleArn,
    audience: at('audience') ?? options.tokenAudience,
    regionalSts,
    tokenExpiration:
      expirationAnnotation(at('token-expiration'), where('token-expiration'), warnings) ??
      clampExpiration(options.tokenExpiration),
  };
}

/** Everything the per-container step and the volume need, once the mode is chosen. */
interface Plan {
  mode: Exclude<MutationMode, 'none'>;
  audience: string;
  expiration: number;
  regionalSts: boolean;
  region: string;
  volumeName: string;
  mountPath: string;
  tokenFileName: string;
  /** the two credential variables and their values */
  creds: [EnvVar, EnvVar];
}

const IRSA_VARS = new Set(['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE']);
const POD_IDENTITY_VARS = new Set([
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
]);

function isWindows(nodeSelector: Record<string, string> | null | undefined): boolean {
  return (
    nodeSelector?.['kubernetes.io/os'] === 'windows' ||
    nodeSelector?.['beta.kubernetes.io/os'] === 'windows'
  );
}

/** Mount path + token file, path-cleaned; `C:\…` on Windows nodes (env value only). */
function tokenFilePath(mountPath: string, file: string, windows: boolean): string {
  const path = posix.join(mountPath, file);
  return windows ? `C:${path.replace(/\//g, '\\')}` : path;
}

function podAnnotation(input: MutationInput, options: WebhookOptions, name: string) {
  const annotations = input.pod.metadata?.annotations ?? {};
  const key = `${options.annotationPrefix}/${name}`;
  return Object.hasOwn(annotations, key) ? annotations[key] : undefined;
}

function plan(
  input: MutationInput,
  options: WebhookOptions,
  random: RandomInt,
  warnings: string[],
): Plan | undefined {
  const saName = input.pod.spec?.serviceAccountName ?? '';
  const windows = isWindows(input.pod.spec?.nodeSelector);
  const podExpiration = () =>
    expirationAnnotation(
      podAnnotation(input, options, 'token-expiration'),
      `pod annotation \`${options.annotationPrefix}/token-expiration\``,
      warnings,
    );
  const cc = options.containerCredentials;

  if (input.podIdentity && cc) {
    let regionalSts = false;
    let expiration = DEFAULT_TOKEN_EXPIRATION;
    if (input.serviceAccount) {
      const s = serviceAccountSettings(input.serviceAccount, options, warnings);
      regionalSts = s.regionalSts;
      expiration = s.tokenExpiration;
    } else {
      const entry = lookupConfigMap(options.configMap, input.namespace, saName, false);
      if (entry) {
        regionalSts = entry.useRegionalSts;
        expiration = entry.tokenExpiration;
      }
    }
    expiration = podExpiration() ?? expiration;
    if (expiration === DEFAULT_TOKEN_EXPIRATION) expiration = random(JITTER_MIN, JITTER_MAX);
    return {
      mode: 'pod-identity',
      audience: cc.audience,
      expiration,
      regionalSts,
      region: options.awsDefaultRegion,
      volumeName: cc.volumeName,
      mountPath: cc.mountPath,
      tokenFileName: cc.tokenPath,
      creds: [
        { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: cc.fullUri },
        {
          name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
          value: tokenFilePath(cc.mountPath, cc.tokenPath, windows),
        },
      ],
    };
  }
  if (input.podIdentity && !cc) {
    warnings.push('the service account is a Pod Identity identity, but Pod Identity is off');
  }

  let settings: ServiceAccountSettings | undefined;
  if (input.serviceAccount) {
    const s = serviceAccountSettings(input.serviceAccount, options, warnings);
    if (s.roleArn !== '') settings = s;
  }
  if (!settings && saName !== '') {
    const entry = lookupConfigMap(options.configMap, input.namespace, saName, true);
    if (entry && entry.roleArn !== '') {
      settings = {
        roleArn: entry.roleArn,
        audience: entry.audience,
        regionalSts: entry.useRegionalSts,
        tokenExpiration: entry.tokenExpiration,
      };
    }
  }
  if (!settings) return undefined;
  return {
    mode: 'irsa',
    audience: settings.audience,
    expiration: podExpiration() ?? settings.tokenExpiration,
    regionalSts: settings.regionalSts,
    region: options.awsDefaultRegion,
    volumeName: IRSA_VOLUME_NAME,
    mountPath: options.tokenMountPath,
    tokenFileName: IRSA_TOKEN_FILE,
    creds: [
      { name: 'AWS_ROLE_ARN', value: settings.roleArn },
      {
        name: 'AWS_WEB_IDENTITY_TOKEN_FILE',
        value: tokenFilePath(options.tokenMountPath, IRSA_TOKEN_FILE, windows),
      },
    ],
  };
}

/** Cleaned form of a mount path, to compare mount paths as the container runtime would. */
const cleanPath = (p: string) => posix.normalize(p).replace(/(.)\/$/, '$1');

/** Spec §5 for one container; returns the container itself when it is left alone. */
function mutateContainer(c: Container, p: Plan, warnings: string[]): Container {
  const env = c.env ?? [];
  const credVars = p.mode === 'irsa' ? IRSA_VARS : POD_IDENTITY_VARS;
  let credsDefined = false;
  let regionDefined = false;
  let stsDefined = false;
  for (const e of env) {
    const name = e?.name as string;
    if (credVars.has(name)) credsDefined = true;
    else if (name === 'AWS_REGION' || name === 'AWS_DEFAULT_REGION') regionDefined = true;
    else if (name === 'AWS_STS_REGIONAL_ENDPOINTS') stsDefined = true;
  }
  // early exit: all three groups present → no env and no mount (spec §5 step 2)
  if (credsDefined && regionDefined && stsDefined) return c;

  const added: EnvVar[] = [];
  if (p.regionalSts && !stsDefined) {
    added.push({ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' });
  }
  if (p.region !== '' && !regionDefined) {
    added.push({ name: 'AWS_DEFAULT_REGION', value: p.region });
    added.push({ name: 'AWS_REGION', value: p.region });
  }
  if (!credsDefined) added.push({ ...p.creds[0] }, { ...p.creds[1] });

  const out: Container = { ...c };
  if (added.length > 0) out.env = [...env, ...added];

  const mounts = c.volumeMounts ?? [];
  if (!mounts.some((m) => m?.name === p.volumeName)) {
    const target = cleanPath(p.mountPath);
    const clash = mounts.find(
      (m) => typeof m?.mountPath === 'string' && cleanPath(m.mountPath) === target,
    );
    if (clash) {
      warnings.push(
        `container \`${c.name}\`: mount \`${clash.name}\` already uses \`${p.mountPath}\`; ` +
          `volume \`${p.volumeName}\` not mounted there`,
      );
    } else {
      const mount: VolumeMount = { name: p.volumeName, readOnly: true, mountPath: p.mountPath };
      out.volumeMounts = [...mounts, mount];
    }
  }
  return out;
}

function projectedVolume(p: Plan): Volume {
  const token: Record<string, unknown> = {};
  if (p.audience !== '') token.audience = p.audience;
  token.expirationSeconds = p.expiration;
  token.path = p.tokenFileName;
  return { name: p.volumeName, projected: { sources: [{ serviceAccountToken: token }] } };
}

/** The pod's `skip-containers` names; a CSV error skips nothing (spec §2.2). */
function skipSet(input: MutationInput, options: WebhookOptions, warnings: string[]): Set<string> {
  const raw = podAnnotation(input, options, 'skip-containers');
  if (raw === undefined) return new Set();
  const names = parseCsvRecord(raw);
  if (names === undefined) {
    warnings.push(
      `pod annotation \`${options.annotationPrefix}/skip-containers\`: \`${raw}\` is not one CSV record; no container skipped`,
    );
    return new Set();
  }
  return new Set(names);
}

/**
 * Decides the mode for a pod and returns the JSON Patch the webhook answers with (all
 * `add` ops, in upstream's order: label → volume → containers → initContainers). `random`
 * draws the Pod Identity jitter; pin it to the minimum to reproduce the fixtures.
 *
 * @example
 * const r = mutatePod(
 *   { pod, namespace: 'default', serviceAccount: sa },
 *   defaultWebhookOptions(),
 * );
 * if (r.mode !== 'none') send(Buffer.from(JSON.stringify(r.patch)).toString('base64'));
 */
export function mutatePod(
  input: MutationInput,
  options: WebhookOptions,
  random: RandomInt = mathRandomInt,
): MutationResult {
  const warnings: string[] = [];
  const p = plan(input, options, random, warnings);
  if (!p) return { mode: 'none', patch: [], warnings };

  const spec = input.pod.spec ?? {};
  const skip = skipSet(input, options, warnings);
  const containers = spec.containers ?? [];
  const initContainers = spec.initContainers ?? [];
  for (const name of skip) {
    if (!containers.some((c) => c.name === name) && !initContainers.some((c) => c.name === name)) {
      warnings.push(`skip-containers names \`${name}\`, which is not a container of the pod`);
    }
  }
  const mutate = (c: Container) => (skip.has(c.name) ? c : mutateContainer(c, p, warnings));

  const patch: JsonPatchOp[] = [];
  if (p.mode === 'pod-identity') {
    const labels = input.pod.metadata?.labels;
    if (labels === undefined || labels === null) {
      patch.push({
        op: 'add',
        path: '/metadata/labels',
        value: { [POD_IDENTITY_LABEL]: 'enabled' },
      });
    } else {
      patch.push({
        op: 'add',
        path: `/metadata/labels/${escapePointerToken(POD_IDENTITY_LABEL)}`,
        value: 'enabled',
      });
    }
  }
  const volumes = spec.volumes;
  if (!volumes?.some((v) => v?.name === p.volumeName)) {
    if (volumes === undefined || volumes === null) {
      patch.push({ op: 'add', path: '/spec/volumes', value: [projectedVolume(p)] });
    } else {
      patch.push({ op: 'add', path: '/spec/volumes/0', value: projectedVolume(p) });
    }
  }
  // init containers first, as upstream (only the order of warnings shows it)
  const mutatedInit = initContainers.map(mutate);
  patch.push({ op: 'add', path: '/spec/containers', value: containers.map(mutate) });
  if (initContainers.length > 0) {
    patch.push({ op: 'add', path: '/spec/initContainers', value: mutatedInit });
  }
  return { mode: p.mode, patch, warnings };
}
