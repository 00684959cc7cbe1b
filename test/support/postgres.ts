import pg from 'pg';

/**
 * The PostgreSQL server integration tests use: 127.0.0.1:5432 (TEST_POSTGRES_URL overrides).
 * Probed once per test file: without a server the PostgreSQL tests skip with a visible notice,
 * unless CI is set, where a missing server fails the run (`.ci/run` starts it).
 */
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

async function probePostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresAvailable = await probePostgres();
if (!postgresAvailable) {
  if (process.env.CI) {
    throw new Error(`PostgreSQL is required under CI but is not reachable at ${new URL(POSTGRES_URL).host}`);
  }
  console.warn(
    `\n  NOTICE: PostgreSQL not reachable at ${new URL(POSTGRES_URL).host}: PostgreSQL tests are SKIPPED (run .ci/run or start it).\n`,
  );
}
