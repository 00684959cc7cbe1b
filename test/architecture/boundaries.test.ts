import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering rules of docs/architecture.md that a reader cannot see in one file: every folder of
 * src is imported through its index.ts (biome's noRestrictedImports enforces it in `npm run lint`;
 * this checks that every folder has its rule), and only src/config reads the process environment.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'generated') return [];
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Folders with a public surface: an index.ts, directly under src or under src/clever. */
function boundaryFolders(): string[] {
  return files(SRC)
    .filter((path) => path.endsWith('/index.ts'))
    .map((path) => relative(SRC, path).replace(/\/index\.ts$/, ''))
    .filter((folder) => folder.split('/').length === 1 || folder.startsWith('clever/'));
}

describe('folder boundaries', () => {
  const biome = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as {
    overrides: { includes: string[]; linter?: { rules?: Record<string, Record<string, unknown>> } }[];
  };
  const rule = biome.overrides.find((o) => o.includes.includes('src/**'))?.linter?.rules?.style
    ?.noRestrictedImports as { level: string; options: { patterns: { group: string[] }[] } } | undefined;

  it('biome refuses a deep import into any folder of src, and lint runs in CI', () => {
    expect(rule?.level).toBe('error');
    const groups = rule!.options.patterns.map((pattern) => pattern.group.join(' '));
    for (const folder of boundaryFolders()) {
      const segment = folder.split('/').at(-1)!;
      expect(groups, `no boundary rule for src/${folder}`).toContain(
        `**/${segment}/** !**/${segment}/index.js`,
      );
    }
    expect(readFileSync(join(ROOT, 'scripts/ci.sh'), 'utf8')).toContain('npm run lint');
  });

  it('every folder other folders import has an index.ts', () => {
    expect(boundaryFolders().sort()).toEqual(
      expect.arrayContaining(['config', 'db', 'domain', 'functions', 'runs', 'sync', 'telemetry']),
    );
  });
});

describe('the process environment', () => {
  it('is read in src/config only', () => {
    const readers = files(SRC)
      .filter((path) => !relative(SRC, path).startsWith('config/'))
      .filter((path) =>
        /process\.env\b/.test(readFileSync(path, 'utf8').replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')),
      );
    expect(readers.map((path) => relative(ROOT, path))).toEqual([]);
  });
});
