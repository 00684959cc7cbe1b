/**
 * Run in a child process by test/runtime/heap-growth.test.ts: applies a heap growth percent, then
 * allocates as a sync does (pages kept alive a while, then dropped) and prints the peak heap size.
 */
import { getHeapStatistics } from 'node:v8';
import { applyHeapGrowth } from '../../src/heap-growth.js';

applyHeapGrowth(Number(process.argv[2]));
const inFlight: unknown[][] = [];
let peak = 0;
for (let round = 0; round < 150; round++) {
  const page: unknown[] = [];
  for (let i = 0; i < 20_000; i++) page.push({ id: `${round}-${i}`, n: i, tags: [i, round] });
  inFlight.push(page);
  if (inFlight.length > 4) inFlight.shift();
  peak = Math.max(peak, getHeapStatistics().total_heap_size);
}
process.stdout.write(String(peak));
