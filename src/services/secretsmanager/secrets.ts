/**
 * Secret names, ARNs and ids as Secrets Manager reads them: a name of 1–512 characters from
 * `A–Z a–z 0–9 / _ + = . @ -`; an ARN `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6
 * random characters>`; a SecretId that is a name, the full ARN, or the partial ARN without
 * the suffix. And the errors these services share, in Secrets Manager's words.
 */
import { AwsError } from '../../common/aws-error.js';

const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;

export const smError = (code: string, message: string): AwsError =>
  new AwsError(code, 400, message);

export const notFound = (): AwsError =>
  smError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

export const markedForDeletion = (): AwsError =>
  smError(
    'InvalidRequestException',
    "You can't perform this operation on the secret because it was marked for deletion.",
  );

export const invalidParameter = (message: string): AwsError =>
  smError('InvalidParameterException', message);

/** Coral's constraint failure: `1 validation error detected: Value … at '<member>' …`. */
export function validation(member: string, constraint: string, value?: string): AwsError {
  const v = value === undefined ? 'Value' : `Value '${value}'`;
  return smError(
    'ValidationException',
    `1 validation error detected: ${v} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

/** Throws when a name is not one Secrets Manager accepts. */
export function checkSecretName(name: string): void {
  if (!NAME.test(name))
    throw invalidParameter(
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
}

/**
 * A new secret's ARN, with the 6-character random suffix.
 *
 * @example
 * secretArn('us-east-1', '123456789012', 'prod/db', random) // → 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf'
 */
export function secretArn(
  region: string,
  account: string,
  name: string,
  random: (n: number) => Uint8Array,
): string {
  const suffix = [...random(6)].map((b) => SUFFIX_CHARS[b % SUFFIX_CHARS.length]).join('');
  return `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${suffix}`;
}

export interface SecretRef {
  region: string;
  account: string;
  /** the names the id could mean, most specific first */
  names: string[];
  /** a full ARN must equal the stored one */
  fullArn?: string | undefined;
  /** the ARN to authorize against when the secret does not exist */
  arnForMissing: string;
}

/**
 * What a SecretId can name.
 *
 * @example
 * secretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf', 'us-east-1', '123456789012')
 * // → names ['db', 'db-AbCdEf'], fullArn set
 */
export function secretRef(id: string, region: string, account: string): SecretRef {
  const m = ARN.exec(id);
  if (!m) {
    return {
      region,
      account,
      names: [id],
      arnForMissing: `arn:aws:secretsmanager:${region}:${account}:secret:${id}`,
    };
  }
  const rest = m[4] as string;
  const full = /^(.+)-[A-Za-z0-9]{6}$/.exec(rest);
  return {
    region: m[2] as string,
    account: m[3] as string,
    names: full ? [full[1] as string, rest] : [rest],
    fullArn: full ? id : undefined,
    arnForMissing: id,
  };
}

export function secretKey(region: string, account: string, name: string): string {
  return `${region}:${account}:${name}`;
}
