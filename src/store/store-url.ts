/**
 * What the CLI needs to know of a `--store` value before anything connects (no driver loaded).
 */

/** A connection URL with its password, if any, replaced: what an error or a log may show. */
export function redactStoreUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** Whether a `--store` value names PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}
