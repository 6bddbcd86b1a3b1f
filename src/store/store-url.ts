/**
 * What the CLI needs to know of a `--store` value before anything connects (no driver loaded).
 */

/**
 * A connection URL with its password, if any, replaced: what an error or a log may show. Read
 * from the text itself, not a URL parser's idea of it: a password with an unencoded `#`, `/`
 * or `?` would make a parser see no password at all. Everything between the scheme's `//`
 * and the last `@` after the user name's colon goes; so does a `password=` parameter.
 *
 * @example
 * redactStoreUrl('postgres://irsa:s3cret@db:5432/irsa') // → 'postgres://irsa:***@db:5432/irsa'
 */
export function redactStoreUrl(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(.*)$/s.exec(url);
  if (!m) return '(not a URL)';
  let rest = m[2] as string;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const colon = rest.slice(0, at).indexOf(':');
    if (colon >= 0) rest = `${rest.slice(0, colon)}:***${rest.slice(at)}`;
  }
  return `${m[1]}${rest.replace(/([?&]password=)[^&#]*/gi, '$1***')}`;
}

/** Whether a `--store` value names PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}
