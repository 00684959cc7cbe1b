/**
 * Emulated Clever ids: 24 lowercase hex digits, like Mongo ObjectIds. The layout is
 *   8 hex seed prefix | 4 hex district slot | 2 hex kind | 10 hex sequence
 * so within one district and kind, sequence order is id order. Lists can then page by
 * arithmetic on the sequence instead of sorting, and records created later get larger ids,
 * as ObjectIds (time-prefixed) do.
 */
export const ID_PATTERN = /^[0-9a-f]{24}$/;

export const IdKind = {
  district: 0x10,
  school: 0x20,
  user: 0x30,
  tokenRecord: 0x40,
  event: 0x50,
  contact: 0x60,
  section: 0x70,
  term: 0x80,
  course: 0x90,
} as const;
export type IdKind = (typeof IdKind)[keyof typeof IdKind];

const MAX_SEQUENCE = 16 ** 10 - 1;

export function idPrefixForSeed(seedInt: number): string {
  // 0x5b..: looks like an ObjectId minted in 2018.
  return (0x5b000000 + (seedInt & 0x00ffffff)).toString(16);
}

export function makeId(prefix: string, districtSlot: number, kind: IdKind, sequence: number): string {
  if (sequence < 0 || sequence > MAX_SEQUENCE) throw new RangeError(`id sequence out of range: ${sequence}`);
  return (
    prefix +
    districtSlot.toString(16).padStart(4, '0') +
    kind.toString(16).padStart(2, '0') +
    sequence.toString(16).padStart(10, '0')
  );
}

export interface ParsedId {
  districtSlot: number;
  kind: number;
  sequence: number;
}

/** Decodes an id minted by this emulator instance (same prefix), else undefined. */
export function parseId(prefix: string, id: string): ParsedId | undefined {
  if (!ID_PATTERN.test(id) || !id.startsWith(prefix)) return undefined;
  return {
    districtSlot: Number.parseInt(id.slice(8, 12), 16),
    kind: Number.parseInt(id.slice(12, 14), 16),
    sequence: Number.parseInt(id.slice(14), 16),
  };
}

export function isCleverId(value: string): boolean {
  return ID_PATTERN.test(value);
}
