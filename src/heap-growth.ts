import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what its last full garbage collection kept alive.
 *
 * A sync holds little (pages stream, rows go out in chunks: about 50 MB live for a 200-school
 * district) but allocates fast, and V8's own heuristic then lets the old generation grow to three
 * or four times the live size before collecting: 437 MB peak RSS for that district, of which the
 * heap was over 200 MB. A growth factor of 1.5 kept the peak near 300 MB in the same run with no
 * measurable cost in time (docs/performance.md). It is a factor, not a cap: a sync that really
 * needs more memory (a 10,000-record page from five large schools at once) still gets it.
 *
 * V8 reads `--heap-growing-percent` whenever a full collection sets the next limit, so setting it
 * after start applies from the next collection on; 0 gives V8 back its own heuristic. It is one
 * setting per process: the last value applied wins.
 */
export function applyHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`heap growth percent: ${percent}`);
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
