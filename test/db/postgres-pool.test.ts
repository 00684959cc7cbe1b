/**
 * The PostgreSQL pool survives a connection lost while a client is checked out (a server restart
 * or failover mid-query): the query fails and its caller retries or reports it, the process lives.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresPool } from '../../src/db/postgresql/pool.js';
import { POSTGRES_URL, postgresAvailable } from '../support/postgres.js';

describe.skipIf(!postgresAvailable)('PostgreSQL pool', () => {
  it('a connection terminated while checked out fails its query, not the process', async () => {
    const { pool } = createPostgresPool(POSTGRES_URL, { poolMax: 1 });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const ended = new Promise((resolve) => client.once('end', resolve));
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      admin.on('error', () => undefined);
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await admin.end();
      await ended;
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
      // The pool hands out a fresh connection afterwards.
      expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await pool.end();
    }
  });
});
