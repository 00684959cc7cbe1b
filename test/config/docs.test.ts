import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config/index.js';
import {
  CLEVER_CLIENT_ID_SECRET,
  CLEVER_CLIENT_SECRET_SECRET,
  DISTRICT_TOKEN_SECRET_PREFIX,
  SCHOOL_DATABASE_URL_SECRET_PREFIX,
  SESSION_DATABASE_URL_SECRET,
} from '../../src/secrets/index.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('documentation matches the code', () => {
  it('docs/configuration.md documents every setting', () => {
    const doc = read('docs/configuration.md');
    const missing = Object.keys(SETTINGS).filter((key) => !doc.includes(`\`${key}\``));
    expect(missing).toEqual([]);
  });

  it('docs/key-vault.md names every secret of the convention', () => {
    const doc = read('docs/key-vault.md');
    for (const name of [
      CLEVER_CLIENT_ID_SECRET,
      CLEVER_CLIENT_SECRET_SECRET,
      SESSION_DATABASE_URL_SECRET,
      `${DISTRICT_TOKEN_SECRET_PREFIX}<`,
      `${SCHOOL_DATABASE_URL_SECRET_PREFIX}<`,
    ]) {
      expect(doc).toContain(name);
    }
  });
});
