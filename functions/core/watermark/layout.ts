import { createHash } from 'node:crypto';
import { codedLength } from './convolutional.ts';
import { PROTECTED_BITS } from './payload.ts';

/** The mark repeats every TILE pixels: 32 x 32 cells of 8 x 8 pixels. */
export const TILE = 256;
export const CELL = 8;
export const CELLS_PER_SIDE = TILE / CELL;
export const CODED_BITS = codedLength(PROTECTED_BITS);
/**
 * Which cell carries what repeats every BLOCK cells (128 px) across and down, so any 128 x 128 px
 * window holds every coded bit once, wherever a crop falls. A quarter of a block's positions are
 * sync; the rest carry the coded bits, one each. The signs still change over the whole tile.
 */
const BLOCK = 16;
const BLOCK_POSITIONS = BLOCK * BLOCK;
const SYNC_POSITIONS = BLOCK_POSITIONS / 4;
if (BLOCK_POSITIONS - SYNC_POSITIONS !== CODED_BITS) throw new Error('a block must hold each coded bit exactly once');

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
  const next = keyedStream(key, 'steward-watermark-layout-v2');
  // A keyed shuffle of the block's positions: the first are sync, the rest carry coded bits 0, 1, 2 ...
  const order = Int32Array.from({ length: BLOCK_POSITIONS }, (_, i) => i);
  for (let i = BLOCK_POSITIONS - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const blocks = CELLS_PER_SIDE / BLOCK;
  const inTile = (position: number, block: number) =>
    (Math.floor(block / blocks) * BLOCK + Math.floor(position / BLOCK)) * CELLS_PER_SIDE + (block % blocks) * BLOCK + (position % BLOCK);
  const syncCells: number[] = [];
  const messageCells: number[] = [];
  const messageBits: number[] = [];
  for (let block = 0; block < blocks * blocks; block++) {
    order.forEach((position, rank) => {
      if (rank < SYNC_POSITIONS) {
        syncCells.push(inTile(position, block));
      } else {
        messageCells.push(inTile(position, block));
        messageBits.push(rank - SYNC_POSITIONS);
      }
    });
  }
  return {
    syncCells: Int32Array.from(syncCells),
    syncSigns: Int8Array.from(syncCells, () => (next() & 1 ? 1 : -1)),
    messageCells: Int32Array.from(messageCells),
    messageBits: Int32Array.from(messageBits),
    messageSigns: Int8Array.from(messageCells, () => (next() & 1 ? 1 : -1)),
    whitening: Uint8Array.from({ length: PROTECTED_BITS }, () => next() & 1),
  };
};

/** Writes `sign * BUMP` into the cell of a TILE x TILE grid. */
export const stampCell = (grid: Float64Array, cell: number, sign: number): void => {
  const x0 = (cell % CELLS_PER_SIDE) * CELL;
  const y0 = Math.floor(cell / CELLS_PER_SIDE) * CELL;
  for (let y = 0; y < CELL; y++) for (let x = 0; x < CELL; x++) grid[(y0 + y) * TILE + x0 + x] = sign * BUMP[y * CELL + x]!;
};
