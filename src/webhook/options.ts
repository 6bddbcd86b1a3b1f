/**
 * The webhook's defaults and fixed values, as amazon-eks-pod-identity-webhook has them
 * (spec/webhook.md §3), and the helpers of `--compose-role-arn`.
 */
import type { ContainerCredentialsOptions, WebhookOptions } from './types.js';

export const DEFAULT_ANNOTATION_PREFIX = 'eks.amazonaws.com';
export const DEFAULT_TOKEN_AUDIENCE = 'sts.amazonaws.com';
export const DEFAULT_TOKEN_MOUNT_PATH = '/var/run/secrets/eks.amazonaws.com/serviceaccount';
export const DEFAULT_TOKEN_EXPIRATION = 86400;
/** No token lives shorter than this (annotations and the flag are raised to it). */
export const MIN_TOKEN_EXPIRATION = 600;
/** Pod Identity jitter: an expiration of exactly 86400 becomes uniform in [79200, 86400]. */
export const JITTER_MIN = 79200;
export const JITTER_MAX = 86400;
/** IRSA's fixed volume and token file names. */
export const IRSA_VOLUME_NAME = 'aws-iam-token';
export const IRSA_TOKEN_FILE = 'token';
/** Added in Pod Identity mode; the key ignores `--annotation-prefix`. */
export const POD_IDENTITY_LABEL = 'eks.amazonaws.com/pod-identity';
/** The opt-out label of the shipped objectSelector (the webhook never reads it). */
export const SKIP_WEBHOOK_LABEL = 'eks.amazonaws.com/skip-pod-identity-webhook';
/** The ConfigMap `--watch-config-map` reads, in `--namespace`. */
export const CONFIG_MAP_NAME = 'pod-identity-webhook';

/** The `--container-credentials-*` flag defaults. */
export function defaultContainerCredentials(): ContainerCredentialsOptions {
  return {
    fullUri: 'http://169.254.170.23/v1/credentials',
    audience: 'pods.eks.amazonaws.com',
    mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount',
    volumeName: 'eks-pod-identity-token',
    tokenPath: 'eks-pod-identity-token',
  };
}

/**
 * The upstream flag defaults: IRSA only (Pod Identity off until an identities file is
 * given), no region, global STS, no ConfigMap, no role-ARN composition.
 *
 * @example
 * const options = { ...defaultWebhookOptions(), awsDefaultRegion: 'eu-west-1' };
 */
export function defaultWebhookOptions(): WebhookOptions {
  return {
    annotationPrefix: DEFAULT_ANNOTATION_PREFIX,
    tokenAudience: DEFAULT_TOKEN_AUDIENCE,
    tokenMountPath: DEFAULT_TOKEN_MOUNT_PATH,
    tokenExpiration: DEFAULT_TOKEN_EXPIRATION,
    awsDefaultRegion: '',
    stsRegionalEndpoint: false,
    containerCredentials: null,
    composeRoleArn: null,
    configMap: {},
  };
}

/**
 * The partition of a region, as `--compose-role-arn` derives it.
 *
 * @example
 * partitionForRegion('cn-north-1'); // 'aws-cn'
 */
export function partitionForRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

const ROLE_ARN = /^arn:aws[a-z0-9-]*:iam::\d{12}:role\/[\w/.@+=,-]+$/;

/**
 * Whether a role ARN has the shape upstream expects; anything else is still used, with a
 * warning.
 *
 * @example
 * isWellFormedRoleArn('arn:aws:iam::111122223333:role/s3-reader'); // true
 */
export function isWellFormedRoleArn(arn: string): boolean {
  return ROLE_ARN.test(arn);
}
