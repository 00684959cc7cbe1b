/**
 * For running the Prisma CLI against one of clever-sync's databases (docs/database.md), e.g.
 *   DATABASE_URL=postgresql://... npx prisma migrate deploy \
 *     --config prisma/prisma.config.ts --schema prisma/school/postgresql/schema.prisma
 * Prisma 7 takes the connection URL (and SHADOW_DATABASE_URL, for `migrate diff
 * --from-migrations`) from here, not from schema.prisma. Not auto-discovered
 * (it is not at the repository root), so `npm run prisma:generate` does not need DATABASE_URL.
 */
import { defineConfig } from 'prisma/config';

const { DATABASE_URL, SHADOW_DATABASE_URL } = process.env;

export default defineConfig({
  ...(DATABASE_URL
    ? {
        datasource: {
          url: DATABASE_URL,
          ...(SHADOW_DATABASE_URL ? { shadowDatabaseUrl: SHADOW_DATABASE_URL } : {}),
        },
      }
    : {}),
});
