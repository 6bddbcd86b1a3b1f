/**
 * `<data>/credentials`: each account's admin access key as a profile in the AWS
 * shared-credentials format (mode 0600), so the AWS CLI, boto3 and the SDKs can use them with
 * `AWS_SHARED_CREDENTIALS_FILE` and `AWS_PROFILE`. The default account is also `[default]`.
 */
import { writeFileSync } from 'node:fs';

export interface AdminKey {
  account: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export function renderCredentialsFile(keys: readonly AdminKey[], defaultAccount: string): string {
  const lines = [
    '# written by irsa up: the admin access key of each irsakit account (keep private)',
    '',
  ];
  const section = (name: string, k: AdminKey) => {
    lines.push(
      `[${name}]`,
      `aws_access_key_id = ${k.accessKeyId}`,
      `aws_secret_access_key = ${k.secretAccessKey}`,
      '',
    );
  };
  const def = keys.find((k) => k.account === defaultAccount);
  if (def) section('default', def);
  for (const k of keys) section(k.account, k);
  return lines.join('\n');
}

export function writeCredentialsFile(
  path: string,
  keys: readonly AdminKey[],
  defaultAccount: string,
): void {
  writeFileSync(path, renderCredentialsFile(keys, defaultAccount), { mode: 0o600 });
}
