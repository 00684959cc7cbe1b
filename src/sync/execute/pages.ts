/**
 * Overlaps fetching the next Clever page with writing the current one: at most one page waits
 * in memory, so the roster is still never held whole.
 */
export async function* prefetchOne<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let pending = iterator.next();
  let finished = false;
  try {
    while (true) {
      const result = await pending;
      if (result.done) {
        finished = true;
        return;
      }
      pending = iterator.next();
      // The consumer may stop before awaiting the prefetch; its failure is reported there or dropped.
      pending.catch(() => {});
      yield result.value;
    }
  } finally {
    if (!finished) await iterator.return?.().catch(() => undefined);
  }
}

/** Splits an array into chunks (archive calls by id lists). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
