/**
 * `irsa policy generate`: the least-privilege identity policy for what a role's sessions
 * actually did, read from the audit trail of the running server, checked by the policy
 * engine, with the diff against the role's current policies (what nothing used, what they
 * grant beyond what was used, every refused call and what refused it). The policy goes to
 * standard output (or `--out`), the
 * report to standard error, so `irsa policy generate --role r > policy.json` works. The role's
 * calls are found by its ARN, on whichever account's resources they were made.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { statementText } from '../../audit/explain.js';
import type { IrsaExplanation, TrailItem } from '../../audit/types.js';
import type { RoleView } from '../../doctor/types.js';
import { type GenerateResult, type Usage, generatePolicy } from '../../policy/generate.js';
import { adminClient, serverOptions } from '../client.js';
import { CliError, type Output } from '../io.js';
import { trailQuery } from './trail.js';
import { DEFAULT_ACCOUNT } from '../../common/accounts.js';

interface GenerateOptions {
  role: string;
  account?: string;
  since?: string;
  namespace?: string;
  serviceAccount?: string;
  out?: string;
  includeDenied?: boolean;
  prefixThreshold?: string;
  json?: boolean;
  endpoint?: string;
  data?: string;
}

/** The role's name and account, from a name or an ARN. */
export function roleRef(
  role: string,
  account: string,
): { account: string; name: string; arn: string } {
  const m = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(role);
  if (m) return { account: m[1] as string, name: m[2] as string, arn: role };
  if (!/^[\w+=,.@-]{1,64}$/.test(role))
    throw new CliError(`--role takes a role name or ARN, not \`${role}\``);
  if (!/^\d{12}$/.test(account)) throw new CliError('--account takes a 12-digit account ID');
  return { account, name: role, arn: `arn:aws:iam::${account}:role/${role}` };
}

/** How the report names a resource's own policy, by the resource's service. */
function resourcePolicyName(resource: string): string {
  const service = /^arn:[^:]*:([^:]*):/.exec(resource)?.[1];
  if (service === 's3') return 'the bucket policy';
  if (service === 'sqs') return 'the queue policy';
  if (service === 'sns') return 'the topic policy';
  if (service === 'kms') return 'the key policy';
  if (service === 'secretsmanager') return 'the secret’s resource policy';
  if (service === 'iam' && /:role\//.test(resource)) return 'the role trust policy';
  return 'the resource-based policy';
}

/** How the report names a policy set of the evaluation, for a refusal. */
function policySetName(set: string, resource: string): string | undefined {
  switch (set) {
    case 'identity':
      return 'the role’s identity-based policies';
    case 'boundary':
      return 'the permissions boundary';
    case 'session':
    case 'session-policy':
      return 'the session policy';
    case 'resource':
      return resourcePolicyName(resource);
    case 'scp':
      return 'a service control policy';
    case 'rcp':
      return 'a resource control policy';
    case 'vpce':
      return 'the VPC endpoint policy';
    default:
      return undefined;
  }
}

/**
 * What refused an authorization, from the call's explanation (its hop, and the Deny statement
 * when one decided): `the bucket policy`, `an explicit Deny in the permissions boundary
 * (… statement …)`. Only the explanation's own authorization — the one that was refused,
 * the call's last — is described; undefined when the trail does not say.
 */
export function refusalText(
  x: IrsaExplanation,
  a: { action: string; resource: string },
): string | undefined {
  if (x.outcome === 'allowed' || x.action !== a.action || x.resource !== a.resource)
    return undefined;
  const st = x.statement;
  if (st?.effect === 'Deny') {
    const set = policySetName(st.policyType, a.resource);
    return `an explicit Deny in ${set ?? st.policyType}: ${statementText(st)}`;
  }
  return x.hop ? policySetName(x.hop, a.resource) : undefined;
}

/**
 * What the role's sessions did, from trail items: one usage per (action, resource, outcome,
 * refusal), counted. Only calls made with the role's own sessions count (not AssumeRole* calls
 * for it), on whichever account's resources.
 */
export function usageOf(items: readonly TrailItem[], roleArn: string): Usage[] {
  const byKey = new Map<string, Usage>();
  for (const i of items) {
    const issuer = i.record.userIdentity.sessionContext?.sessionIssuer;
    if (i.record.userIdentity.type !== 'AssumedRole' || issuer?.arn !== roleArn) continue;
    for (const a of i.irsaExplanation.authorizations ?? []) {
      const refusedBy = a.allowed ? undefined : refusalText(i.irsaExplanation, a);
      const key = `${a.action}\u0000${a.resource}\u0000${a.allowed}\u0000${refusedBy ?? ''}`;
      const u = byKey.get(key);
      if (u) u.count += 1;
      else
        byKey.set(key, {
          action: a.action,
          resource: a.resource,
          allowed: a.allowed,
          count: 1,
          ...(refusedBy === undefined ? {} : { refusedBy }),
        });
    }
  }
  return [...byKey.values()];
}

const MAX_USED = 4;

/** `s3:GetObject on arn:…, sqs:SendMessage on arn:…` (the first few, then how many more). */
function usedText(used: readonly string[]): string {
  const shown = used.slice(0, MAX_USED).join(', ');
  return used.length > MAX_USED ? `${shown} and ${used.length - MAX_USED} more` : shown;
}

const quoted = (xs: readonly string[]) => xs.map((x) => `\`${x}\``).join(', ');

/** The report (standard error): what the current policies leave unused, grant too widely, and what was refused. */
export function report(
  r: GenerateResult,
  role: string,
  calls: number,
  includeDenied = false,
): string {
  const lines = [
    `irsa: a policy for ${role} from ${calls} call${calls === 1 ? '' : 's'} in the trail (${r.covered} granted by it)`,
  ];
  if (r.policy.Statement.length === 0)
    lines.push('irsa: no call needed a permission: the role needs no identity policy for them');
  if (r.unused.length > 0) {
    lines.push('irsa: unused in the role’s current policies:');
    for (const u of r.unused)
      lines.push(
        `  - ${u.policy} statement ${u.statement}${u.sid ? ` (${u.sid})` : ''}: ${u.wholeStatement ? 'the whole statement' : u.actions.join(', ')}`,
      );
  }
  if (r.broader.length > 0) {
    lines.push('irsa: broader in the role’s current policies than what was used:');
    for (const b of r.broader) {
      const source = `${b.policy} statement ${b.statement}${b.sid ? ` (${b.sid})` : ''}`;
      const what =
        b.actions.length > 0 && b.resources.length > 0
          ? `${quoted(b.actions)} on ${quoted(b.resources)}`
          : b.actions.length > 0
            ? quoted(b.actions)
            : `on ${quoted(b.resources)}`;
      lines.push(
        `  - ${source}: ${what}: used only ${usedText(b.used)}; the generated policy narrows it`,
      );
    }
  }
  if (r.missing.length > 0) {
    lines.push(
      includeDenied
        ? 'irsa: refused, and granted by the generated policy (--include-denied):'
        : 'irsa: refused, and left out of the generated policy (--include-denied grants them):',
    );
    for (const m of r.missing) {
      const by = m.refusedBy && m.refusedBy.length > 0 ? ` by ${m.refusedBy.join('; ')}` : '';
      const now = m.identityAllows
        ? 'the role’s current policies allow it'
        : 'the role’s current policies do not allow it';
      lines.push(
        `  - ${m.action} on ${m.resource} (refused ${m.count} time${m.count === 1 ? '' : 's'}${by}; ${now})`,
      );
    }
  }
  if (r.unused.length === 0 && r.missing.length === 0 && r.broader.length === 0)
    lines.push('irsa: the current policies grant exactly what was used');
  return lines.join('\n');
}

export function registerPolicyCommands(
  program: Command,
  io: Output,
  setExit: (code: number) => void,
): void {
  const policy = program.command('policy').description('policies from what workloads did');
  serverOptions(
    policy
      .command('generate')
      .description(
        'the least-privilege policy for what a role’s sessions did (from the audit trail), with the diff against its current policies',
      )
      .requiredOption('--role <role>', 'the role: a name (in --account) or an ARN')
      .option('--account <id>', 'the role’s account, with a role name (default: irsakit’s own)')
      .option('--since <when>', 'only calls since then: 15m, 2h, 1d, or an ISO time')
      .option('-n, --namespace <ns>', 'only calls from pods in this namespace')
      .option('-s, --service-account <sa>', 'only calls from pods running as this service account')
      .option('-o, --out <file>', 'write the policy to this file instead of standard output')
      .option('--include-denied', 'also grant what was refused')
      .option(
        '--prefix-threshold <n>',
        'distinct objects under one S3 folder from which folder/* is granted',
        '5',
      )
      .option('--json', 'the policy, the diff and the usage as one JSON document'),
  ).action(async (opts: GenerateOptions) => {
    if (opts.serviceAccount && !opts.namespace)
      throw new CliError('--service-account needs --namespace');
    const threshold = Number(opts.prefixThreshold);
    if (!Number.isInteger(threshold) || threshold < 1)
      throw new CliError('--prefix-threshold takes a whole number from 1');
    const q = trailQuery(
      { namespace: opts.namespace, serviceAccount: opts.serviceAccount, since: opts.since },
      new Date(),
    );
    // an ARN names its own account
    const ref = roleRef(
      opts.role,
      opts.account ?? (opts.role.startsWith('arn:') ? '' : DEFAULT_ACCOUNT),
    );
    const client = adminClient(opts);
    const { body: role } = await client.request<RoleView>(
      'GET',
      `/roles/${ref.account}/${encodeURIComponent(ref.name)}`,
    );
    // by the role's exact ARN: its sessions' calls on any account's resources (a
    // cross-account call's record is in the resource owner's account)
    q.set('role', role.arn);
    q.set('limit', '1000');
    const items: TrailItem[] = [];
    for (;;) {
      const page = await client.request<{ items: TrailItem[] }>('GET', `/trail?${q.toString()}`);
      items.push(...page.body.items);
      const last = page.body.items[page.body.items.length - 1];
      if (page.body.items.length < 1000 || !last) break;
      q.set('before', String(last.seq));
    }
    const usage = usageOf(items, role.arn);
    const calls = usage.reduce((n, u) => n + u.count, 0);
    const documents = [...role.inline, ...role.attached].filter((p) => p.document !== undefined);
    const result = generatePolicy(usage, {
      roleArn: role.arn,
      prefixThreshold: threshold,
      includeDenied: opts.includeDenied,
      current: documents.map((p) => ({
        name: p.name.replace(/^arn:aws:iam::aws:policy\//, ''),
        document: p.document,
      })),
    });
    // a policy without a statement is no policy IAM takes (MalformedPolicyDocument): say so
    // rather than print one that the README's pipe into put-role-policy would fail on
    const empty = result.policy.Statement.length === 0;
    // CliError's message gets the `irsa: ` prefix where it is printed (program.ts)
    const nothing = `no call of ${role.arn} in the trail${opts.since ? ` since ${opts.since}` : ''} needs a permission: nothing to generate`;
    if (opts.json) {
      io.out(
        JSON.stringify(
          {
            role: role.arn,
            policy: empty ? null : result.policy,
            unused: result.unused,
            broader: result.broader,
            missing: result.missing,
            usage,
          },
          null,
          2,
        ),
      );
      if (empty) io.err(`irsa: ${nothing}`);
    } else {
      if (empty) throw new CliError(nothing, 1);
      if (opts.out) {
        try {
          writeFileSync(opts.out, result.text);
        } catch (e) {
          throw new CliError(`cannot write \`${opts.out}\`: ${(e as Error).message}`, 1);
        }
      } else io.out(result.text.trimEnd());
      io.err(report(result, role.arn, calls, opts.includeDenied));
      if (opts.out) io.err(`irsa: wrote ${opts.out}`);
    }
    setExit(empty ? 1 : 0);
  });
}
