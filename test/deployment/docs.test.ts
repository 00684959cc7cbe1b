import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config/settings.js';
import {
  CLEVER_CLIENT_ID_SECRET,
  CLEVER_CLIENT_SECRET_SECRET,
  DISTRICT_TOKEN_SECRET_PREFIX,
  SCHOOL_DATABASE_URL_SECRET_PREFIX,
  SESSION_DATABASE_URL_SECRET,
} from '../../src/secrets/secret-names.js';
import { at, literalString, loadTemplate } from './bicep.js';

const ROOT = resolve(import.meta.dirname, '../..');
const docs = readFileSync(resolve(ROOT, 'docs/deployment.md'), 'utf8');
const headings = [...docs.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!);
/** The GitHub variables deploy.yml reads; docs/deployment.md has a table of them too. */
const githubVariables = new Set(
  [...readFileSync(resolve(ROOT, '.github/workflows/deploy.yml'), 'utf8').matchAll(/\bvars\.([A-Z_]+)/g)].map(
    (m) => m[1]!,
  ),
);

describe('docs/deployment.md', () => {
  it('covers setup, deploys, rollback, rotation, onboarding, alerts and the credential review', () => {
    expect(headings).toEqual(
      expect.arrayContaining([
        'First-time setup',
        'Routine deploys',
        'Rollback',
        'Rotating the Clever secret',
        'Onboarding a new district',
        'Onboarding a new school database',
        'Reading the alerts',
        'Credential-safety review',
      ]),
    );
  });

  it('says where every setting the code reads comes from in Azure', () => {
    const rows = new Set([...docs.matchAll(/^\| `([A-Za-z0-9_]+)`\s+\|/gm)].map((m) => m[1]!));
    const missing = Object.keys(SETTINGS).filter((key) => !rows.has(key));
    expect(missing, 'add a row to the "Settings in Azure" table').toEqual([]);
    const unknown = [...rows].filter((key) => !(key in SETTINGS) && !githubVariables.has(key));
    expect(unknown, 'rows naming settings the code does not read').toEqual([]);
  });

  it('names every Key Vault secret of the convention', () => {
    for (const name of [CLEVER_CLIENT_ID_SECRET, CLEVER_CLIENT_SECRET_SECRET, SESSION_DATABASE_URL_SECRET]) {
      expect(docs).toContain(`\`${name}\``);
    }
    expect(docs).toContain(`\`${DISTRICT_TOKEN_SECRET_PREFIX}<cleverDistrictId>\``);
    expect(docs).toContain(`\`${SCHOOL_DATABASE_URL_SECRET_PREFIX}<cleverSchoolId>\``);
  });

  it('explains each alert rule and the telemetry it reads', () => {
    const rules = loadTemplate(resolve(ROOT, 'infra/modules/alerts.bicep')).vars.get('rules')?.value;
    const names = rules?.kind === 'array' ? rules.items.map((rule) => literalString(at(rule, 'name'))) : [];
    expect(names).toHaveLength(6);
    for (const name of names) expect(docs).toContain(`| \`${name}\``);
    for (const event of [
      'CleverSyncSchoolFailing',
      'CleverSyncDistrictFailing',
      'CleverSyncRunCompleted',
      'CleverRateLimitWait',
      'CleverAuthHealthChanged',
    ]) {
      expect(docs).toContain(`\`${event}\``);
    }
  });

  it('gives the credential review its queries', () => {
    const review = docs.slice(docs.indexOf('## Credential-safety review'));
    const queries = [...review.matchAll(/```kusto\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(queries.length).toBeGreaterThanOrEqual(5);
    expect(review).toContain('SecretGet');
    expect(review).toContain('npm run validate:deployment');
  });

  it('links only to headings that exist', () => {
    // GitHub's anchors: lower case, punctuation dropped, spaces to dashes.
    const slug = (heading: string) =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N} -]/gu, '')
        .replace(/ /g, '-');
    const anchors = new Set([...docs.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
    const links = [...docs.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((link) => !anchors.has(link))).toEqual([]);
  });

  it('keeps code fences at the start of a line (the Markdown formatter of Biome breaks indented ones)', () => {
    expect(docs.match(/^[ \t]+```/gm) ?? []).toEqual([]);
  });

  it('runs the real host locally with `npm start` (build, then func start) on Azurite, and says it never ran here', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.prestart).toBe('npm run build');
    expect(pkg.scripts.start).toBe('func start');
    expect(pkg.scripts.azurite).toMatch(/^azurite .*--location \.azurite/);
    const localSettings = JSON.parse(readFileSync(resolve(ROOT, 'local.settings.json.example'), 'utf8')) as {
      Values: Record<string, string>;
    };
    expect(localSettings.Values).toMatchObject({
      FUNCTIONS_WORKER_RUNTIME: 'node',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    });
    const section = docs.slice(docs.indexOf('## Running under Azure Functions Core Tools'));
    expect(section).toContain('npm run azurite');
    expect(section).toContain('npm start');
    expect(section).toMatch(/never run/);
    expect(readFileSync(resolve(ROOT, 'README.md'), 'utf8')).toContain('`npm start`');
  });

  it('shows the commands the workflow runs', () => {
    expect(docs).toContain('npx clever-sync db migrate');
    expect(docs).toContain('npm run validate:deployment');
  });
});
