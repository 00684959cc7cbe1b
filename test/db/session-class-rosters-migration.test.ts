/**
 * Upgrading SessionDb to the class-roster release sends every school to one full sync: schools
 * synced before it have an events cursor and would otherwise only ever apply class events, never
 * pulling the classes they already have.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { createSessionRepository } from '../../src/db/session/repository.js';
import { createPostgresSchema, migrationsBefore, postgresAvailable, tempDir } from './support.js';

const MIGRATION = '20261202000000_class_rosters_full_sync';

const temp = tempDir();
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of drops) await drop();
  temp.cleanup();
});

describe.each([
  { provider: 'sqlite' as const, skip: false },
  { provider: 'postgresql' as const, skip: !postgresAvailable },
])('upgrading SessionDb to class rosters on $provider', ({ provider, skip }) => {
  it.skipIf(skip)('schools synced before go full once; nothing else changes', async () => {
    let url: string;
    if (provider === 'sqlite') url = `file:${join(temp.dir, 'session.db')}`;
    else {
      const schema = await createPostgresSchema();
      drops.push(schema.drop);
      url = schema.url;
    }
    await applyMigrations({
      url,
      database: 'session',
      migrationsDir: migrationsBefore(
        'session',
        provider,
        MIGRATION,
        join(temp.dir, `session-before-${provider}`),
      ),
    });
    const before = await createSessionRepository(url, { migrate: 'never' });
    const district = await before.districts.upsert({ cleverDistrictId: 'd'.repeat(24), name: 'District' });
    const { records } = await before.schools.upsertMany(district.id, [
      { cleverSchoolId: 'a'.repeat(24), name: 'A' },
      { cleverSchoolId: 'b'.repeat(24), name: 'B' },
    ]);
    for (const school of records) {
      await before.schools.setEventsCursor(school.id, 'c'.repeat(24));
      await before.schools.recordSuccess(school.id, new Date());
    }
    expect((await before.schools.list({})).map((s) => s.requiresFullSync)).toEqual([false, false]);
    await before.close();

    const upgrade = await applyMigrations({ url, database: 'session' });
    expect(upgrade.applied).toEqual([MIGRATION]);
    const after = await createSessionRepository(url, { migrate: 'never' });
    try {
      const schools = await after.schools.list({});
      expect(schools.map((s) => s.requiresFullSync)).toEqual([true, true]);
      // Cursors and history stay: the full sync takes a fresh cursor as any full pull does.
      expect(schools.map((s) => s.eventsCursor)).toEqual(['c'.repeat(24), 'c'.repeat(24)]);
      expect(schools.every((s) => s.lastSuccessfulSyncAt !== null)).toBe(true);
    } finally {
      await after.close();
    }
  });
});
