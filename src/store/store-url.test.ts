import { describe, expect, it } from 'vitest';
import { isPostgresUrl, redactStoreUrl } from './store-url.js';

describe('redactStoreUrl', () => {
  it('hides the password, however the URL is written', () => {
    expect(redactStoreUrl('postgres://irsa:s3cret@db:5432/irsa')).toBe(
      'postgres://irsa:***@db:5432/irsa',
    );
    // an unencoded # (a URL parser would take it for a fragment and see no password)
    expect(redactStoreUrl('postgres://irsa:12#S3cret@127.0.0.1:5432/postgres')).toBe(
      'postgres://irsa:***@127.0.0.1:5432/postgres',
    );
    expect(redactStoreUrl('postgres://irsa:a@b/c?d@db/irsa')).not.toContain('a@b');
    expect(redactStoreUrl('postgresql://db/irsa?user=irsa&password=hunter2&x=1')).toBe(
      'postgresql://db/irsa?user=irsa&password=***&x=1',
    );
    expect(redactStoreUrl('postgres://irsa@db/irsa?schema=s')).toBe(
      'postgres://irsa@db/irsa?schema=s',
    );
    expect(redactStoreUrl('hunter2')).toBe('(not a URL)');
  });

  it('knows a PostgreSQL URL', () => {
    expect(isPostgresUrl('postgres://db/x')).toBe(true);
    expect(isPostgresUrl('POSTGRESQL://db/x')).toBe(true);
    expect(isPostgresUrl('mysql://db/x')).toBe(false);
  });
});
