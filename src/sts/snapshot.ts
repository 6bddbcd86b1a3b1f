/**
 * What STS reads from IAM on every call (the role and its compiled trust policy, the OIDC
 * provider, a long-term key and its user), kept while the store revision stands still: one
 * revision read replaces the two or three item reads of a call, and the trust policy is not
 * looked up by its text again. Any committed write anywhere moves the revision and drops every
 * entry, so an answer is never older than the last write (DESIGN.md "Storage and scale").
 * Entries are frozen: callers share them.
 */
import type { IamDirectory } from '../iam/directory.js';
import { deepFreeze } from './freeze.js';

/** The store's revision, as `Store.revision()` gives it. */
export type RevisionSource = () => Promise<number>;

/** entries kept at one revision; a full snapshot is cleared whole */
const SNAPSHOT_MAX = 10_000;

/**
 * Values by key, valid for one store revision. Without a revision source every read goes to
 * the loader (tests that hand in a bare directory).
 *
 * @example
 * const snap = new RevisionSnapshot(() => store.revision());
 * const role = await snap.get(`role\n${account}\n${name}`, () => directory.getRole(account, name));
 */
export class RevisionSnapshot {
  private readonly revision: RevisionSource | undefined;
  private readonly entries = new Map<string, unknown>();
  private at = -1;

  constructor(revision?: RevisionSource) {
    this.revision = revision;
  }

  /** The value of `key` at the current revision, loading (and freezing) it on a miss. */
  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.revision) return load();
    const revision = await this.revision();
    if (revision !== this.at) {
      this.entries.clear();
      this.at = revision;
    }
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = deepFreeze(await load());
    // a write committed while loading moved the revision: keep nothing read across it
    if ((await this.revision()) === revision && this.at === revision) {
      if (this.entries.size >= SNAPSHOT_MAX) this.entries.clear();
      this.entries.set(key, value);
    }
    return value;
  }
}

/**
 * `directory` with its per-call reads (roles, OIDC providers, users, access keys) answered
 * from a `RevisionSnapshot`; the rest passes through. What it returns is frozen.
 *
 * @example
 * const sts = createStsOperations({ directory: snapshotDirectory(directory, () => store.revision()), … });
 */
export function snapshotDirectory(directory: IamDirectory, revision: RevisionSource): IamDirectory {
  const snap = new RevisionSnapshot(revision);
  return {
    getRole: (account, roleName) =>
      snap.get(`role\u0000${account}\u0000${roleName}`, () => directory.getRole(account, roleName)),
    findOidcProvider: (account, url) =>
      snap.get(`oidc\u0000${account}\u0000${url}`, () => directory.findOidcProvider(account, url)),
    getUser: (account, userName) =>
      snap.get(`user\u0000${account}\u0000${userName}`, () => directory.getUser(account, userName)),
    getAccessKey: (id) => snap.get(`key\u0000${id}`, () => directory.getAccessKey(id)),
    getManagedPolicy: (arn) => directory.getManagedPolicy(arn),
    policiesOf: (entity) => directory.policiesOf(entity),
    accounts: () => directory.accounts(),
  };
}
