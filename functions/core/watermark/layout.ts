import { createHash } from 'node:crypto';
import { codedLength } from './convolutional.ts';
import { PROTECTED_BITS } from './payload.ts';

/** The mark repeats every TILE pixels: 32 x 32 cells of 8 x 8 pixels. */
export const TILE = 256;
export const CELL = 8;
export const CELLS_PER_SIDE = TILE / CELL;
const CELLS = CELLS_PER_SIDE * CELLS_PER_SIDE;
const SYNC_CELLS = CELLS / 4;
export const CODED_BITS = codedLength(PROTECTED_BITS);

/** Half-sine bump over a cell: smooth edges keep the mark out of sight and survive resampling. */
export const BUMP = Float64Array.from({ length: CELL * CELL }, (_, i) => Math.sin((Math.PI * ((i % CELL) + 0.5)) / CELL) * Math.sin((Math.PI * (Math.floor(i / CELL) + 0.5)) / CELL));

/** A deterministic stream of 32-bit numbers from the corp key and a label (SHA-256 in counter mode). */
const keyedStream = (key: Uint8Array, label: string) => {
  let counter = 0;
  let block = Buffer.alloc(0);
  let position = 0;
  return (): number => {
    if (position >= block.length) {
      block = createHash('sha256').update(key).update(label).update(String(counter++)).digest();
      position = 0;
    }
    const value = block.readUInt32BE(position);
    position += 4;
    return value;
  };
};

/** Everything about the pattern that depends on the corp key: who cannot read it cannot forge it either. */
export type KeyedLayout = {
  /** Cell indices (row-major) of the sync cells, and each one's sign. */
  syncCells: Int32Array;
  syncSigns: Int8Array;
  /** Message cells: which coded bit each carries, and a keyed sign that hides the bit's value. */
  messageCells: Int32Array;
  messageBits: Int32Array;
  messageSigns: Int8Array;
  /** XORed over payload and CRC before coding: a foreign key decodes to bits whose CRC fails. */
  whitening: Uint8Array;
};

export const keyedLayout = (key: Uint8Array): KeyedLayout => {
  const next = keyedStream(key, 'steward-watermark-layout-v1');
  const order = Int32Array.from({ length: CELLS }, (_, i) => i);
  for (let i = CELLS - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const messageCount = CELLS - SYNC_CELLS;
  return {
    syncCells: order.slice(0, SYNC_CELLS),
    syncSigns: Int8Array.from({ length: SYNC_CELLS }, () => (next() & 1 ? 1 : -1)),
    messageCells: order.slice(SYNC_CELLS),
    messageBits: Int32Array.from({ length: messageCount }, (_, i) => i % CODED_BITS),
    messageSigns: Int8Array.from({ length: messageCount }, () => (next() & 1 ? 1 : -1)),
    whitening: Uint8Array.from({ length: PROTECTED_BITS }, () => next() & 1),
  };
};

/** Writes `sign * BUMP` into the cell of a TILE x TILE grid. */
export const stampCell = (grid: Float64Array, cell: number, sign: number): void => {
  const x0 = (cell % CELLS_PER_SIDE) * CELL;
  const y0 = Math.floor(cell / CELLS_PER_SIDE) * CELL;
  for (let y = 0; y < CELL; y++) for (let x = 0; x < CELL; x++) grid[(y0 + y) * TILE + x0 + x] = sign * BUMP[y * CELL + x]!;
};
