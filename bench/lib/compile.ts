/**
 * The measured runs load the compiled build Azure runs, not tsx: `npm run build` (tsc into dist/),
 * then the bench's own worker files are transpiled one by one beside it into dist/bench/. Their
 * relative imports (`../../src/app.js`) then resolve to dist/src, the build's output, so a measured
 * process holds Node and the compiled modules only (no tsx loader, no on-the-fly transforms).
 * Transpiling is per file and unchecked: `npm run typecheck` checks these files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

/** The folders of bench/ a worker loads (the orchestrator and the emulator child stay on tsx). */
const WORKER_SOURCES = ['worker.ts', 'jobs', 'lib', 'baseline'];

function tsFiles(path: string): string[] {
  if (path.endsWith('.ts')) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? tsFiles(join(path, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(path, entry.name)]
        : [],
  );
}

/**
 * Builds the product and the bench workers; returns the compiled worker's path. `root` is the
 * repository root (holding package.json and bench/).
 */
export function compileWorkers(root: string, log: (line: string) => void): string {
  const started = Date.now();
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const benchDir = join(root, 'bench');
  const outDir = compiledBenchDir(root);
  rmSync(outDir, { recursive: true, force: true });
  for (const file of WORKER_SOURCES.flatMap((source) => tsFiles(join(benchDir, source)))) {
    const output = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const target = join(outDir, relative(benchDir, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
  log(`compiled build: npm run build + bench workers in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return join(outDir, 'worker.js');
}

/** Where the transpiled workers go (removed after the run: dist/ is what deploys). */
export function compiledBenchDir(root: string): string {
  return join(root, 'dist', 'bench');
}
