/**
 * Deterministic randomness: every generated value is a pure function of (seed, record, field),
 * so any record can be rebuilt on demand in any order and two runs with one seed agree.
 */

function rotl(value: number, shift: number): number {
  return (value << shift) | (value >>> (32 - shift));
}

/** MurmurHash3-style mix of a few 32-bit integers into one unsigned 32-bit value. */
export function hash32(...parts: number[]): number {
  let h = 0x2f6b7a1d;
  for (const part of parts) {
    let k = Math.imul(part | 0, 0xcc9e2d51);
    k = rotl(k, 15);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = rotl(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= parts.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed given as a number or a string, folded to 32 bits. */
export function seedToInt(seed: number | string): number {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new TypeError('seed must be a finite number or a string');
    return hash32(Math.floor(seed) | 0, Math.floor(seed / 2 ** 32) | 0);
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return hash32(h);
}

/** A small sequential generator (mulberry32) for one record; the draw order is fixed by the code. */
export class Rng {
  private state: number;

  constructor(...parts: number[]) {
    this.state = hash32(...parts);
  }

  /** Uniform in [0, 2^32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 2 ** 32) * n);
  }

  chance(probability: number): boolean {
    return this.next() / 2 ** 32 < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  digits(count: number): string {
    let out = '';
    for (let i = 0; i < count; i++) out += String(this.int(10));
    return out;
  }

  hex(count: number): string {
    let out = '';
    for (let i = 0; i < count; i++) out += this.int(16).toString(16);
    return out;
  }
}
