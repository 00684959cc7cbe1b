import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Integration tests share one PostgreSQL server and write SQLite files: forks keep them isolated.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Keep the 2-core CI machine responsive: database-heavy files must not all run at once.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
