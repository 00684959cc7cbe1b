/**
 * The shape of src/db (docs/architecture.md, "The data layer"): imports flow one way, from the
 * repositories down to the dialects and from the dialects down to ./base, and only the dialects
 * know which provider they are. Read from the source text, so a change that breaks the shape
 * fails here rather than in review.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/db');
const DIALECT_FOLDERS = ['sqlite', 'postgresql', 'sqlserver'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Module (path relative to src/db) -> the src/db modules it imports, statically or dynamically. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(ROOT)) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((match) => match[1]!);
    const targets = specifiers
      .map((specifier) => relative(ROOT, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts'))
      .filter((target) => !target.startsWith('..'));
    graph.set(relative(ROOT, file), [...new Set(targets)]);
  }
  return graph;
}

const folderOf = (module: string) => (module.includes('/') ? module.split('/')[0]! : '.');

function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe('src/db layering', () => {
  const graph = importGraph();

  it('has no import cycle between modules', () => {
    expect(findCycle(graph)).toBeNull();
  });

  it('has no import cycle between folders (no import runs back up)', () => {
    const folders = new Map<string, string[]>();
    for (const [module, targets] of graph) {
      if (module === 'index.ts') continue; // the public barrel re-exports every folder
      const from = folderOf(module);
      const to = targets.map(folderOf).filter((folder) => folder !== from);
      folders.set(from, [...new Set([...(folders.get(from) ?? []), ...to])]);
    }
    expect(findCycle(folders)).toBeNull();
  });

  it('keeps ./base below everything: it imports only itself', () => {
    for (const [module, targets] of graph) {
      if (folderOf(module) !== 'base') continue;
      expect(
        targets.filter((target) => folderOf(target) !== 'base'),
        module,
      ).toEqual([]);
    }
  });

  it('builds each dialect only on ./base (the Dialect contract, shared pieces) and its own folder', () => {
    for (const [module, targets] of graph) {
      const folder = folderOf(module);
      if (!DIALECT_FOLDERS.includes(folder)) continue;
      const outside = targets.filter((target) => folderOf(target) !== folder && folderOf(target) !== 'base');
      expect(outside, module).toEqual([]);
    }
  });

  it('names providers only in the dialects and the one place that picks them', () => {
    const comparison =
      /(===|!==|case)\s*'(sqlite|postgresql|sqlserver)'|'(sqlite|postgresql|sqlserver)'\s*(===|!==)/;
    const offenders = [...graph.keys()].filter(
      (module) =>
        !DIALECT_FOLDERS.includes(folderOf(module)) &&
        comparison.test(readFileSync(join(ROOT, module), 'utf8')),
    );
    expect(offenders).toEqual([]);
    // The dialects are reached through dialects.ts, never imported directly by the layers above.
    const direct = [...graph.entries()]
      .filter(([module]) => module !== 'dialects.ts' && !DIALECT_FOLDERS.includes(folderOf(module)))
      .filter(([, targets]) => targets.some((target) => DIALECT_FOLDERS.includes(folderOf(target))));
    expect(direct.map(([module]) => module)).toEqual([]);
  });
});
