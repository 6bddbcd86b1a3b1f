/**
 * Vitest's global setup: a private PostgreSQL server for the tests of the PostgreSQL store and
 * of `irsa up --store postgres://…`, shared by every test file (each test makes a schema of its
 * own). IRSA_TEST_POSTGRES=<url> uses that server instead. Tests get the URL with
 * `inject('postgresUrl')`: empty when this machine has no PostgreSQL, which they skip on — but
 * not under CI, where PostgreSQL is part of the machine and a missing one is a failure.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.IRSA_TEST_POSTGRES;
  if (given) {
    project.provide('postgresUrl', given);
    return async () => undefined;
  }
  const server = await startPostgres();
  if (!server && process.env.CI)
    throw new Error(
      'CI: no PostgreSQL on this machine (/usr/lib/postgresql/<version>/bin); the PostgreSQL store cannot be tested',
    );
  project.provide('postgresUrl', server?.url ?? '');
  return async () => {
    await server?.stop();
  };
}
