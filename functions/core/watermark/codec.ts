import { decode, encode } from './convolutional.ts';
import { fft, fft2d, nextPowerOfTwo } from './fft.ts';
import { BUMP, CELL, CELLS_PER_SIDE, CODED_BITS, TILE, keyedLayout, stampCell, type KeyedLayout } from './layout.ts';
import { PROTECTED_BITS, checkPayload, protectPayload, type MarkPayload } from './payload.ts';

/** 8-bit RGBA, row by row. */
export type RgbaImage = { width: number; height: number; data: Uint8Array };

/** Embedding strength: RMS about 2.2 grey levels (~41 dB PSNR), never under 1 level where it is applied. */
const TARGET_RMS = 2.2;
const MIN_STRENGTH = 1;
const MAX_STRENGTH = 7;
/** Residual values beyond this are text, edges or noise peaks, not mark: they are clamped before detection. */
const RESIDUAL_CLIP = 4;
const MIN_SCALE = 0.3;
const MAX_SCALE = 1.3;
/** Alpha (of 255) of the client-side overlay tile. */
export const OVERLAY_ALPHA = 8;

const luma = ({ width, height, data }: RgbaImage): Float64Array => {
  const y = new Float64Array(width * height);
  for (let i = 0; i < y.length; i++) y[i] = 0.299 * data[4 * i]! + 0.587 * data[4 * i + 1]! + 0.114 * data[4 * i + 2]!;
  return y;
};

/** Mean over a (2r+1)^2 window, clipped at the borders, via an integral image. */
const boxMean = (values: Float64Array, width: number, height: number, radius: number): Float64Array => {
  const integral = new Float64Array((width + 1) * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += values[y * width + x]!;
      integral[(y + 1) * (width + 1) + x + 1] = integral[y * (width + 1) + x + 1]! + row;
    }
  }
  const mean = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - radius);
    const y1 = Math.min(height, y + radius + 1);
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - radius);
      const x1 = Math.min(width, x + radius + 1);
      const sum = integral[y1 * (width + 1) + x1]! - integral[y0 * (width + 1) + x1]! - integral[y1 * (width + 1) + x0]! + integral[y0 * (width + 1) + x0]!;
      mean[y * width + x] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return mean;
};

/** Payload and CRC, whitened with the key, convolutionally coded: the bits the message cells carry. */
const codedBits = (payload: MarkPayload, layout: KeyedLayout): number[] =>
  encode(protectPayload(payload).map((bit, i) => bit ^ layout.whitening[i]!));

/** The keyed ±1 pattern of one tile carrying `payload`: sync cells plus the coded, spread payload. */
export const markPattern = (key: Uint8Array, payload: MarkPayload, layout: KeyedLayout = keyedLayout(key)): Float64Array => {
  const coded = codedBits(payload, layout);
  const tile = new Float64Array(TILE * TILE);
  layout.syncCells.forEach((cell, i) => stampCell(tile, cell, layout.syncSigns[i]!));
  layout.messageCells.forEach((cell, i) => stampCell(tile, cell, (coded[layout.messageBits[i]!] ? 1 : -1) * layout.messageSigns[i]!));
  return tile;
};

/**
 * Adds the mark to the luma of every pixel (same delta on R, G and B), stronger in busy cells.
 * Strength is set per 8 x 8 cell, which is where the half-sine bump falls to zero, so it never
 * draws a seam.
 */
export const embedMark = (image: RgbaImage, key: Uint8Array, payload: MarkPayload): RgbaImage => {
  const { width, height, data } = image;
  const pattern = markPattern(key, payload);
  const columns = Math.ceil(width / CELL);
  const rows = Math.ceil(height / CELL);
  const strength = new Float64Array(columns * rows);
  let energy = 0;
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < columns; bx++) {
      const x1 = Math.min(width, (bx + 1) * CELL);
      const y1 = Math.min(height, (by + 1) * CELL);
      let sum = 0;
      let n = 0;
      for (let y = by * CELL; y < y1; y++) {
        for (let x = bx * CELL, i = 4 * (y * width + x); x < x1; x++, i += 4) sum += 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
        n += x1 - bx * CELL;
      }
      const mean = sum / n;
      let deviation = 0;
      for (let y = by * CELL; y < y1; y++) {
        for (let x = bx * CELL, i = 4 * (y * width + x); x < x1; x++, i += 4) deviation += Math.abs(0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]! - mean);
      }
      const cellStrength = Math.min(MAX_STRENGTH, Math.max(MIN_STRENGTH, 0.8 + 0.6 * (deviation / n)));
      strength[by * columns + bx] = cellStrength;
      // The bump's mean square over a cell is 1/4.
      energy += 0.25 * cellStrength * cellStrength * n;
    }
  }
  const scale = TARGET_RMS / Math.sqrt(energy / (width * height) || 1);
  for (let i = 0; i < strength.length; i++) strength[i] = Math.min(MAX_STRENGTH, Math.max(MIN_STRENGTH, strength[i]! * scale));
  const out = new Uint8Array(data);
  for (let y = 0; y < height; y++) {
    const patternRow = (y % TILE) * TILE;
    const strengthRow = Math.floor(y / CELL) * columns;
    for (let x = 0, i = 4 * y * width; x < width; x++, i += 4) {
      const delta = strength[strengthRow + Math.floor(x / CELL)]! * pattern[patternRow + (x % TILE)]!;
      out[i] = Math.min(255, Math.max(0, Math.round(data[i]! + delta)));
      out[i + 1] = Math.min(255, Math.max(0, Math.round(data[i + 1]! + delta)));
      out[i + 2] = Math.min(255, Math.max(0, Math.round(data[i + 2]! + delta)));
    }
  }
  return { width, height, data: out };
};

/** A TILE x TILE RGBA tile for clients to composite over their UI (grey carrying the pattern, low alpha). */
export const overlayTile = (key: Uint8Array, payload: MarkPayload): RgbaImage => {
  const pattern = markPattern(key, payload);
  const data = new Uint8Array(TILE * TILE * 4);
  pattern.forEach((p, i) => {
    const grey = Math.round(128 + 127 * p);
    data.set([grey, grey, grey, OVERLAY_ALPHA], 4 * i);
  });
  return { width: TILE, height: TILE, data };
};

/**
 * High-passed luma with text and edges clamped: what is left is mostly mark and noise. Clamping
 * (rather than dropping) keeps the mark's sign where noise and mark add up past the limit.
 */
const residual = (image: RgbaImage): Float64Array => {
  const y = luma(image);
  const mean = boxMean(y, image.width, image.height, 2);
  return y.map((v, i) => Math.max(-RESIDUAL_CLIP, Math.min(RESIDUAL_CLIP, v - mean[i]!)));
};

/**
 * Candidate tile periods (as scales of TILE) along rows or columns: the peaks of the residual's
 * autocorrelation between 0.3 and 1.3 tiles, strongest first.
 */
const periodScales = (r: Float64Array, width: number, height: number, alongRows: boolean): number[] => {
  const length = alongRows ? width : height;
  const lines = alongRows ? height : width;
  const maxLag = Math.min(Math.round(MAX_SCALE * TILE), Math.floor(length / 2));
  const minLag = Math.round(MIN_SCALE * TILE);
  if (maxLag <= minLag + 2) return [];
  const n = nextPowerOfTwo(2 * length);
  const power = new Float64Array(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const step = Math.max(1, Math.floor(lines / 96));
  for (let line = 0; line < lines; line += step) {
    re.fill(0);
    im.fill(0);
    for (let k = 0; k < length; k++) re[k] = r[alongRows ? line * width + k : k * width + line]!;
    fft(re, im);
    for (let k = 0; k < n; k++) power[k] = power[k]! + re[k]! ** 2 + im[k]! ** 2;
  }
  const acRe = power;
  const acIm = new Float64Array(n);
  fft(acRe, acIm, true);
  const ac = (lag: number) => acRe[lag]! / (length - lag);
  const peaks: { lag: number; value: number }[] = [];
  for (let lag = minLag; lag <= maxLag; lag++) {
    if (ac(lag) > ac(lag - 1) && ac(lag) >= ac(lag + 1)) peaks.push({ lag, value: ac(lag) });
  }
  return peaks
    .sort((a, b) => b.value - a.value)
    .slice(0, 2)
    .map(({ lag }) => {
      const [a, b, c] = [ac(lag - 1), ac(lag), ac(lag + 1)];
      const shift = a - 2 * b + c === 0 ? 0 : (0.5 * (a - c)) / (a - 2 * b + c);
      return (lag + shift) / TILE;
    });
};

/** Resamples the residual onto the nominal grid at scale (sx, sy) and averages it into one tile. */
const fold = (r: Float64Array, width: number, height: number, sx: number, sy: number): Float64Array => {
  const sum = new Float64Array(TILE * TILE);
  const count = new Float64Array(TILE * TILE);
  if (sx === 1 && sy === 1) {
    // Native scale: every pixel lands on the grid as it is.
    for (let y = 0; y < height; y++) {
      const row = (y % TILE) * TILE;
      for (let x = 0, i = y * width; x < width; x++, i++) {
        const t = row + (x % TILE);
        sum[t] = sum[t]! + r[i]!;
        count[t] = count[t]! + 1;
      }
    }
    return sum.map((s, i) => (count[i] ? s / count[i]! : 0));
  }
  const nominalWidth = Math.floor(width / sx);
  const nominalHeight = Math.floor(height / sy);
  for (let v = 0; v < nominalHeight; v++) {
    const y = Math.min(height - 1.001, Math.max(0, (v + 0.5) * sy - 0.5));
    const y0 = Math.floor(y);
    const fy = y - y0;
    const row = (v % TILE) * TILE;
    for (let u = 0; u < nominalWidth; u++) {
      const x = Math.min(width - 1.001, Math.max(0, (u + 0.5) * sx - 0.5));
      const x0 = Math.floor(x);
      const fx = x - x0;
      const i = y0 * width + x0;
      const value = (1 - fy) * ((1 - fx) * r[i]! + fx * r[i + 1]!) + fy * ((1 - fx) * r[i + width]! + fx * r[i + width + 1]!);
      const t = row + (u % TILE);
      sum[t] = sum[t]! + value;
      count[t] = count[t]! + 1;
    }
  }
  return sum.map((s, i) => (count[i] ? s / count[i]! : 0));
};

/** Offsets (dx, dy) where the folded tile lines up with the sync pattern, best first. */
const syncOffsets = (tile: Float64Array, layout: KeyedLayout, count: number): [number, number][] => {
  const template = new Float64Array(TILE * TILE);
  layout.syncCells.forEach((cell, i) => stampCell(template, cell, layout.syncSigns[i]!));
  const aRe = Float64Array.from(tile);
  const aIm = new Float64Array(TILE * TILE);
  const bIm = new Float64Array(TILE * TILE);
  fft2d(aRe, aIm, TILE);
  fft2d(template, bIm, TILE);
  const re = new Float64Array(TILE * TILE);
  const im = new Float64Array(TILE * TILE);
  for (let i = 0; i < re.length; i++) {
    re[i] = aRe[i]! * template[i]! + aIm[i]! * bIm[i]!;
    im[i] = aIm[i]! * template[i]! - aRe[i]! * bIm[i]!;
  }
  fft2d(re, im, TILE, true);
  const best: { index: number; value: number }[] = [];
  for (let i = 0; i < re.length; i++) {
    if (best.length < count || re[i]! > best[best.length - 1]!.value) {
      best.push({ index: i, value: re[i]! });
      best.sort((a, b) => b.value - a.value);
      if (best.length > count) best.pop();
    }
  }
  return best.map(({ index }) => [index % TILE, Math.floor(index / TILE)]);
};

/** Soft coded bits read from the folded tile at offset (dx, dy); positive leans to 1. */
const despread = (tile: Float64Array, layout: KeyedLayout, dx: number, dy: number): Float64Array => {
  const soft = new Float64Array(CODED_BITS);
  layout.messageCells.forEach((cell, i) => {
    const x0 = (cell % CELLS_PER_SIDE) * CELL + dx;
    const y0 = Math.floor(cell / CELLS_PER_SIDE) * CELL + dy;
    let sum = 0;
    for (let y = 0; y < CELL; y++) {
      for (let x = 0; x < CELL; x++) sum += tile[((y0 + y) % TILE) * TILE + ((x0 + x) % TILE)]! * BUMP[y * CELL + x]!;
    }
    soft[layout.messageBits[i]!] = soft[layout.messageBits[i]!]! + sum * layout.messageSigns[i]!;
  });
  const rms = Math.sqrt(soft.reduce((total, s) => total + s * s, 0) / soft.length) || 1;
  return soft.map((s) => s / rms);
};

export type Extraction = { payload: MarkPayload; confidence: number };

type Reading = { soft: Float64Array };

/**
 * Alignments worth decoding, most likely first: the native scale (screenshots and re-saved files
 * keep it), then the scales the tiles' autocorrelation suggests, each with its best sync offsets.
 * The autocorrelation is only computed when the native scale did not read.
 */
function* readings(image: RgbaImage, layout: KeyedLayout): Generator<Reading> {
  const r = residual(image);
  const { width, height } = image;
  const tried = new Set<string>();
  function* at(sx: number, sy: number): Generator<Reading> {
    const id = `${sx.toFixed(4)}x${sy.toFixed(4)}`;
    if (tried.has(id)) return;
    tried.add(id);
    const tile = fold(r, width, height, sx, sy);
    for (const [dx, dy] of syncOffsets(tile, layout, 3)) yield { soft: despread(tile, layout, dx, dy) };
  }
  yield* at(1, 1);
  const xs = [...periodScales(r, width, height, true), 1];
  const ys = [...periodScales(r, width, height, false), 1];
  for (const [sx, sy] of [[xs[0]!, ys[0]!], ...xs.flatMap((x) => ys.map((y) => [x, y]))] as [number, number][]) yield* at(sx, sy);
}

/**
 * Reads the mark from a possibly attacked copy, without the original: despreading, Viterbi and
 * the CRC over each likely alignment. Answers null rather than a wrong member: a foreign key or an
 * unmarked image fails the CRC.
 */
export const extractMark = (image: RgbaImage, key: Uint8Array): Extraction | null => {
  const layout = keyedLayout(key);
  for (const { soft } of readings(image, layout)) {
    const bits = decode(soft, PROTECTED_BITS);
    const payload = checkPayload(bits.map((bit, i) => bit ^ layout.whitening[i]!));
    if (!payload) continue;
    const coded = encode(bits);
    const agreeing = coded.filter((bit, i) => (bit ? soft[i]! > 0 : soft[i]! <= 0)).length;
    return { payload, confidence: +(agreeing / coded.length).toFixed(3) };
  }
  return null;
};

/**
 * For measurement: the share of coded bits read wrong before error correction, at the best of the
 * most likely scale's alignments.
 */
export const rawBitErrorRate = (image: RgbaImage, key: Uint8Array, payload: MarkPayload): number => {
  const layout = keyedLayout(key);
  const coded = codedBits(payload, layout);
  let best = 1;
  let alignments = 0;
  for (const { soft } of readings(image, layout)) {
    best = Math.min(best, coded.filter((bit, i) => (bit ? soft[i]! <= 0 : soft[i]! > 0)).length / coded.length);
    if (++alignments === 3) break;
  }
  return best;
};
