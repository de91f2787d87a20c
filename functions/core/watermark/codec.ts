import { decodeList, encode } from './convolutional.ts';
import { fft, fft2d, nextPowerOfTwo } from './fft.ts';
import { applyHomography, fitAffine, fitHomography, gridMapOf, gridPointOf, invertHomography, solveLinear, type GridMap, type Point } from './grid-map.ts';
import { BUMP, CELL, CELLS_PER_SIDE, CODED_BITS, TILE, keyedLayout, stampCell, type KeyedLayout } from './layout.ts';
import { PROTECTED_BITS, checkPayload, knownBits, protectPayload, withinBounds, type MarkBounds, type MarkPayload } from './payload.ts';

/** 8-bit RGBA, row by row. */
export type RgbaImage = { width: number; height: number; data: Uint8Array };

/** Distortion budget, mark and headroom shift together: RMS 2.5 grey levels (40.2 dB PSNR). Marks are never under 1 level where applied. */
const TARGET_RMS = 2.5;
const MIN_STRENGTH = 1;
/**
 * Texture hides a stronger mark, but the detector discounts texture (it weights by the inverse local
 * energy), so strength spent there beyond 6 levels buys little: the cap sends that share of the
 * budget to quieter cells, where it is read.
 */
const MAX_STRENGTH = 6;
/** A flat cell's activity; busier cells add 0.6 per grey level of mean absolute deviation. */
const MIN_ACTIVITY = 0.8;
/** The headroom shift stays within one grey level: enough for the bumps on white or black, and within the PSNR budget. */
const MAX_SHIFT = 1;
const MIN_SCALE = 0.3;
/**
 * Overlay screenshots come at the display's scale: 1.25, 1.5 and 2 on desktops, 2 and 3 on phones
 * (a phone's 3x screenshot still reads at about 2.5 once fitted to the trace's pixel budget).
 */
const MAX_SCALE = 3.2;
/**
 * The range searched first, exactly as before display scales were read: a wider range lets larger
 * periods outrank the right one among the few candidates tried (aspect 0.9 x 0.8 on small photos read
 * 73.3% rather than 80% when the search went to 3.2 at once). Scales past it are tried only after it failed.
 */
const FIRST_MAX_SCALE = 1.3;
/** Alpha (of 255) of the client-side overlay tile. */
export const OVERLAY_ALPHA = 8;

/** BT.601 luma of one pixel: what the mark changes and the detector reads. */
const lumaOf = (r: number, g: number, b: number): number => 0.299 * r + 0.587 * g + 0.114 * b;

const luma = ({ width, height, data }: RgbaImage): Float64Array => {
  const y = new Float64Array(width * height);
  for (let i = 0, p = 0; i < y.length; i++, p += 4) y[i] = lumaOf(data[p]!, data[p + 1]!, data[p + 2]!);
  return y;
};

/** 1 / the number of samples a window of `radius` covers at each position along `length`. */
const inverseCounts = (length: number, radius: number): Float64Array =>
  Float64Array.from({ length }, (_, i) => 1 / (Math.min(length - 1, i + radius) - Math.max(0, i - radius) + 1));

/**
 * Means over a (2r+1)^2 window, clipped at the borders, one row at a time: running sums along each
 * input row, then down the columns. Answers a function to be called for rows 0, 1, 2 ... in turn;
 * it asks `inputRow` for rows 0, 1, 2 ... (each once, read at once, up to r rows ahead) and answers
 * a buffer holding the row's means until the next call. Row sums are kept in a ring of the 2r + 2
 * rows the window spans while moving on, so a pipeline of these stays in cache.
 */
const boxMeanRows = (inputRow: (y: number) => Float64Array, width: number, height: number, radius: number): ((y: number) => Float64Array) => {
  const inverseX = inverseCounts(width, radius);
  const inverseY = inverseCounts(height, radius);
  const ringRows = 2 * radius + 2;
  const ring = new Float64Array(ringRows * width);
  const sums = new Float64Array(width);
  const mean = new Float64Array(width);
  /** Row y's means along x, into its slot of the ring; where it starts there. */
  const rowMean = (y: number): number => {
    const values = inputRow(y);
    const slot = (y % ringRows) * width;
    let sum = 0;
    for (let x = 0; x < Math.min(width, radius); x++) sum += values[x]!;
    for (let x = 0; x < width; x++) {
      const entering = x + radius;
      const leaving = x - radius - 1;
      sum += (entering < width ? values[entering]! : 0) - (leaving >= 0 ? values[leaving]! : 0);
      ring[slot + x] = sum * inverseX[x]!;
    }
    return slot;
  };
  for (let y = 0; y < Math.min(height, radius); y++) {
    const slot = rowMean(y);
    for (let x = 0; x < width; x++) sums[x] = sums[x]! + ring[slot + x]!;
  }
  return (y) => {
    const inverse = inverseY[y]!;
    const entering = y + radius < height ? rowMean(y + radius) : -1;
    const leaving = y - radius - 1 >= 0 ? ((y - radius - 1) % ringRows) * width : -1;
    for (let x = 0; x < width; x++) {
      let sum = sums[x]!;
      if (entering >= 0) sum += ring[entering + x]!;
      if (leaving >= 0) sum -= ring[leaving + x]!;
      sums[x] = sum;
      mean[x] = sum * inverse;
    }
    return mean;
  };
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

/** For each pixel along a side: the cell centre at or before it, and how far it is towards the next. */
const betweenCellCentres = (length: number, cells: number) => {
  const before = new Int32Array(length);
  const towardsNext = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const centre = Math.min(cells - 1, Math.max(0, (i + 0.5) / CELL - 0.5));
    before[i] = Math.max(0, Math.min(cells - 2, Math.floor(centre)));
    towardsNext[i] = centre - before[i]!;
  }
  return { before, towardsNext };
};

const lowestChannel = (r: number, g: number, b: number): number => (r < g ? (r < b ? r : b) : g < b ? g : b);
const highestChannel = (r: number, g: number, b: number): number => (r > g ? (r > b ? r : b) : g > b ? g : b);

/** Brightness shift per pixel row (rows that need none have no array), and its mean square. */
type HeadroomShift = { rows: (Float64Array | undefined)[]; meanPower: number };

/**
 * A smooth brightness shift that keeps the mark from clipping: white UI backgrounds would lose every
 * positive bump, black ones every negative. Each cell asks for the shift that fits its deltas into
 * 0..255; the ask is spread to the neighbouring cells and interpolated between cell centres, so the
 * shift has no edges of its own (the detector's high-pass removes it). Cells that clip both ways
 * (dark text on white) ask for nothing.
 */
const headroomShift = ({ width, height, data }: RgbaImage, pattern: Float64Array, strength: Float64Array, cells: CellStatistics): HeadroomShift => {
  const { columns, rows, lowest, highest } = cells;
  const ask = new Float64Array(columns * rows);
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < columns; bx++) {
      // Most cells have room for any delta their strength allows: no need to look closer.
      const reach = strength[by * columns + bx]!;
      if (lowest[by * columns + bx]! >= reach && highest[by * columns + bx]! <= 255 - reach) continue;
      const x1 = Math.min(width, (bx + 1) * CELL);
      const y1 = Math.min(height, (by + 1) * CELL);
      let up = 0;
      let down = 0;
      for (let y = by * CELL; y < y1; y++) {
        for (let x = bx * CELL, i = 4 * (y * width + x), t = (y % TILE) * TILE + (x % TILE); x < x1; x++, i += 4, t++) {
          const delta = reach * pattern[t]!;
          const low = lowestChannel(data[i]!, data[i + 1]!, data[i + 2]!);
          const high = highestChannel(data[i]!, data[i + 1]!, data[i + 2]!);
          if (-(low + delta) > up) up = -(low + delta);
          if (high + delta - 255 > down) down = high + delta - 255;
        }
      }
      ask[by * columns + bx] = up > 0 && down > 0 ? 0 : Math.max(-MAX_SHIFT, Math.min(MAX_SHIFT, up - down));
    }
  }
  const spread = new Float64Array(columns * rows);
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < columns; bx++) {
      let up = 0;
      let down = 0;
      for (let ny = Math.max(0, by - 1); ny <= Math.min(rows - 1, by + 1); ny++) {
        for (let nx = Math.max(0, bx - 1); nx <= Math.min(columns - 1, bx + 1); nx++) {
          up = Math.max(up, ask[ny * columns + nx]!);
          down = Math.min(down, ask[ny * columns + nx]!);
        }
      }
      spread[by * columns + bx] = up + down;
    }
  }
  const horizontal = betweenCellCentres(width, columns);
  const vertical = betweenCellCentres(height, rows);
  const rowAsks = new Uint8Array(rows);
  for (let i = 0; i < spread.length; i++) if (spread[i] !== 0) rowAsks[Math.floor(i / columns)] = 1;
  const shiftRows: (Float64Array | undefined)[] = new Array(height);
  // Bilinear, one axis at a time: down the cell rows into `line`, then across it.
  const line = new Float64Array(columns);
  let power = 0;
  for (let y = 0; y < height; y++) {
    const y0 = vertical.before[y]!;
    const y1 = Math.min(rows - 1, y0 + 1);
    const fy = vertical.towardsNext[y]!;
    if (!rowAsks[y0] && !rowAsks[y1]) continue;
    for (let bx = 0; bx < columns; bx++) line[bx] = (1 - fy) * spread[y0 * columns + bx]! + fy * spread[y1 * columns + bx]!;
    const row = (shiftRows[y] = new Float64Array(width));
    for (let x = 0; x < width; x++) {
      const x0 = horizontal.before[x]!;
      const x1 = Math.min(columns - 1, x0 + 1);
      row[x] = (1 - horizontal.towardsNext[x]!) * line[x0]! + horizontal.towardsNext[x]! * line[x1]!;
      power += row[x]! * row[x]!;
    }
  }
  return { rows: shiftRows, meanPower: power / (width * height) };
};

/** Per 8 x 8 cell, row by row: its masking activity, pixel count, and lowest and highest channel value. */
type CellStatistics = { columns: number; rows: number; activity: Float64Array; pixels: Float64Array; lowest: Uint8Array; highest: Uint8Array };

const cellStatistics = ({ width, height, data }: RgbaImage): CellStatistics => {
  const columns = Math.ceil(width / CELL);
  const rows = Math.ceil(height / CELL);
  const activity = new Float64Array(columns * rows);
  const pixels = new Float64Array(columns * rows);
  const lowest = new Uint8Array(columns * rows);
  const highest = new Uint8Array(columns * rows);
  const cellLuma = new Float64Array(CELL * CELL);
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < columns; bx++) {
      const x1 = Math.min(width, (bx + 1) * CELL);
      const y1 = Math.min(height, (by + 1) * CELL);
      let sum = 0;
      let n = 0;
      let low = 255;
      let high = 0;
      for (let y = by * CELL; y < y1; y++) {
        for (let x = bx * CELL, i = 4 * (y * width + x); x < x1; x++, i += 4) {
          const r = data[i]!;
          const g = data[i + 1]!;
          const b = data[i + 2]!;
          const value = lumaOf(r, g, b);
          cellLuma[n++] = value;
          sum += value;
          low = Math.min(low, lowestChannel(r, g, b));
          high = Math.max(high, highestChannel(r, g, b));
        }
      }
      const mean = sum / n;
      let deviation = 0;
      for (let k = 0; k < n; k++) deviation += Math.abs(cellLuma[k]! - mean);
      const cell = by * columns + bx;
      activity[cell] = MIN_ACTIVITY + 0.6 * (deviation / n);
      pixels[cell] = n;
      lowest[cell] = low;
      highest[cell] = high;
    }
  }
  return { columns, rows, activity, pixels, lowest, highest };
};

/** A cell's mark strength in grey levels: its activity times `scale`, clamped. */
const clampedStrength = (activity: number, scale: number): number => Math.min(MAX_STRENGTH, Math.max(MIN_STRENGTH, activity * scale));

const strengths = (activity: Float64Array, scale: number): Float64Array => activity.map((a) => clampedStrength(a, scale));

/**
 * The scale that brings the clamped strengths to `rms` over the image (the bump's mean square over
 * a cell is 1/4), found by bisection since the clamps make it nonlinear.
 */
const strengthScale = ({ activity, pixels }: CellStatistics, rms: number): number => {
  let total = 0;
  for (let i = 0; i < pixels.length; i++) total += pixels[i]!;
  const target = rms * rms * total * 4;
  let low = 0;
  // Beyond this every cell is at the maximum.
  let high = MAX_STRENGTH / MIN_ACTIVITY;
  for (let step = 0; step < 24; step++) {
    const middle = (low + high) / 2;
    let sum = 0;
    for (let i = 0; i < activity.length; i++) {
      const strength = clampedStrength(activity[i]!, middle);
      sum += strength * strength * pixels[i]!;
    }
    if (sum < target) low = middle;
    else high = middle;
  }
  return low;
};

/** The image plus, on R, G and B alike, each cell's strength times the pattern, plus the shift. */
const addMark = ({ width, height, data }: RgbaImage, pattern: Float64Array, strength: Float64Array, shift: HeadroomShift): RgbaImage => {
  const columns = Math.ceil(width / CELL);
  // A clamped array rounds and clips on assignment.
  const out = new Uint8ClampedArray(data);
  const noShift = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    const patternRow = (y % TILE) * TILE;
    const strengthRow = Math.floor(y / CELL) * columns;
    const shiftRow = shift.rows[y] ?? noShift;
    // A cell never straddles a tile edge, so its pattern indices run on without wrapping.
    for (let bx = 0, x = 0, i = 4 * y * width; bx < columns; bx++) {
      const cellStrength = strength[strengthRow + bx]!;
      for (let t = patternRow + ((bx * CELL) % TILE), end = Math.min(width, x + CELL); x < end; x++, t++, i += 4) {
        const delta = cellStrength * pattern[t]! + shiftRow[x]!;
        out[i] = data[i]! + delta;
        out[i + 1] = data[i + 1]! + delta;
        out[i + 2] = data[i + 2]! + delta;
      }
    }
  }
  return { width, height, data: new Uint8Array(out.buffer) };
};

/**
 * Adds the mark to the luma of every pixel (same delta on R, G and B), stronger in busy cells.
 * Strength is set per 8 x 8 cell, which is where the half-sine bump falls to zero, so it never
 * draws a seam.
 */
export const embedMark = (image: RgbaImage, key: Uint8Array, payload: MarkPayload): RgbaImage => {
  const pattern = markPattern(key, payload);
  const cells = cellStatistics(image);
  const shift = headroomShift(image, pattern, strengths(cells.activity, strengthScale(cells, TARGET_RMS)), cells);
  // The shift spends part of the distortion budget; the mark gets the rest.
  const markScale = strengthScale(cells, Math.sqrt(Math.max(0.5, TARGET_RMS ** 2 - shift.meanPower)));
  return addMark(image, pattern, strengths(cells.activity, markScale), shift);
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
 * The high-pass window follows the cells' size in the image: 5 x 5 px at the native 8 px, 3 x 3 once
 * a downscale has shrunk them under about 5.6 px, where the wider window lets too much texture through.
 */
const residualRadius = (scale: number): number => (scale < 0.7 ? 1 : 2);

/** Half-width of the window the local residual energy is measured over, and the energy that counts as flat. */
const ENERGY_RADIUS = 4;
const FLAT_ENERGY = 1;


/**
 * High-passed luma (luma minus its mean over a (2 radius + 1)^2 window), each pixel weighted by the
 * inverse of the local residual energy: the matched filter for a mark in noise of varying strength.
 * Flat areas, where the residual is mostly mark, count fully; text edges and texture hardly at all.
 */
const weightedResidual = (lumaValues: Float64Array, width: number, height: number, radius: number): Float64Array => {
  const r = new Float64Array(lumaValues.length);
  const lumaMean = boxMeanRows((y) => lumaValues.subarray(y * width, (y + 1) * width), width, height, radius);
  // Row by row, a few rows ahead of the energy: residual into `r`, its square into one row.
  const squares = new Float64Array(width);
  const squaredResidualRow = (y: number): Float64Array => {
    const mean = lumaMean(y);
    for (let x = 0, i = y * width; x < width; x++, i++) {
      r[i] = lumaValues[i]! - mean[x]!;
      squares[x] = r[i]! * r[i]!;
    }
    return squares;
  };
  const energyMean = boxMeanRows(squaredResidualRow, width, height, ENERGY_RADIUS);
  for (let y = 0; y < height; y++) {
    const energy = energyMean(y);
    for (let x = 0, i = y * width; x < width; x++, i++) r[i] = r[i]! / (energy[x]! + FLAT_ENERGY);
  }
  return r;
};

/** Mean over a (2 rx + 1) x (2 ry + 1) window on a grid that wraps round at its edges, as a spectrum does. */
const wrappedBoxMean = (values: Float64Array, width: number, height: number, rx: number, ry: number): Float64Array => {
  const rows = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    let sum = 0;
    for (let d = -rx; d <= rx; d++) sum += values[base + ((d + width) % width)]!;
    for (let x = 0; x < width; x++) {
      rows[base + x] = sum / (2 * rx + 1);
      sum += values[base + ((x + rx + 1) % width)]! - values[base + ((x - rx + width) % width)]!;
    }
  }
  const mean = new Float64Array(width * height);
  for (let x = 0; x < width; x++) {
    let sum = 0;
    for (let d = -ry; d <= ry; d++) sum += rows[((d + height) % height) * width + x]!;
    for (let y = 0; y < height; y++) {
      mean[y * width + x] = sum / (2 * ry + 1);
      sum += rows[((y + ry + 1) % height) * width + x]! - rows[((y - ry + height) % height) * width + x]!;
    }
  }
  return mean;
};

/** Whitening transforms the image padded to powers of two: only up to this many points (512 x 512, two FFTs of about 40 ms each here). */
const WHITENING_MAX_POINTS = 1 << 18;

/**
 * The residual with its spectrum flattened: each frequency divided by the magnitude around it (over
 * 1/64 of the band each way, plus 5% of the mean so empty bands stay quiet). Content that repeats (a
 * sheet of frames, a grid) leaves spectral lines that weighting by local energy cannot see; divided
 * out, they stop drowning the mark. Null for images too large to transform cheaply.
 */
const whitenedResidual = (r: Float64Array, width: number, height: number): Float64Array | null => {
  const [columns, rows] = [nextPowerOfTwo(width), nextPowerOfTwo(height)];
  if (columns * rows > WHITENING_MAX_POINTS) return null;
  const re = new Float64Array(columns * rows);
  const im = new Float64Array(columns * rows);
  for (let y = 0; y < height; y++) re.set(r.subarray(y * width, (y + 1) * width), y * columns);
  fft2d(re, im, columns, rows);
  const magnitude = re.map((value, i) => Math.hypot(value, im[i]!));
  const around = wrappedBoxMean(magnitude, columns, rows, Math.max(2, columns / 64), Math.max(2, rows / 64));
  const floor = (0.05 * around.reduce((sum, value) => sum + value, 0)) / around.length;
  for (let i = 0; i < re.length; i++) {
    const divisor = around[i]! + floor;
    re[i] = re[i]! / divisor;
    im[i] = im[i]! / divisor;
  }
  fft2d(re, im, columns, rows, true);
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) out.set(re.subarray(y * columns, y * columns + width), y * width);
  return out;
};

/** Lines sampled for the autocorrelation: about 160 evenly spaced rows or columns. */
const AUTOCORRELATION_LINES = 160;

/**
 * The sampled lines of `r`, the j-th by `lineOf(j)`. Columns are copied out in bands of rows, so
 * each cache line of the residual is read once for all the columns it holds, not once per column.
 */
const sampledLines = (r: Float64Array, width: number, height: number, alongRows: boolean) => {
  const lines = alongRows ? height : width;
  const step = Math.max(1, Math.floor(lines / AUTOCORRELATION_LINES));
  const count = Math.ceil(lines / step);
  if (alongRows) return Object.assign((j: number) => r.subarray(j * step * width, (j * step + 1) * width), { count });
  const columns = new Float64Array(count * height);
  const BAND = 64;
  for (let y0 = 0; y0 < height; y0 += BAND) {
    const y1 = Math.min(height, y0 + BAND);
    for (let j = 0; j < count; j++) {
      for (let y = y0, i = y0 * width + j * step, o = j * height + y0; y < y1; y++, i += width, o++) columns[o] = r[i]!;
    }
  }
  return Object.assign((j: number) => columns.subarray(j * height, (j + 1) * height), { count });
};

/**
 * The residual's autocorrelation along rows or columns, normalised to 1 at lag 0, up to `maxLag`.
 * JPEG's 8 x 8 blocks add peaks at every multiple of 8 px in the attacked image; their typical
 * height, measured below the smallest tile period, is taken off all of them.
 */
const autocorrelation = (r: Float64Array, width: number, height: number, alongRows: boolean, maxLag: number): Float64Array => {
  const length = alongRows ? width : height;
  const n = nextPowerOfTwo(2 * length);
  const power = new Float64Array(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const lineOf = sampledLines(r, width, height, alongRows);
  // Two real lines per transform, one as the real part and one as the imaginary: their spectra's
  // powers sum to (|Z(k)|^2 + |Z(n - k)|^2) / 2, half the transforms for the same figure.
  for (let j = 0; j < lineOf.count; j += 2) {
    re.fill(0);
    im.fill(0);
    re.set(lineOf(j));
    if (j + 1 < lineOf.count) im.set(lineOf(j + 1));
    fft(re, im);
    for (let k = 0; k < n; k++) {
      const mirror = (n - k) & (n - 1);
      power[k] = power[k]! + (re[k]! ** 2 + im[k]! ** 2 + re[mirror]! ** 2 + im[mirror]! ** 2) / 2;
    }
  }
  fft(power, new Float64Array(n), true);
  const raw = Float64Array.from({ length: Math.min(length, maxLag + 20) }, (_, lag) => power[lag]! / (length - lag) / (power[0]! / length || 1));
  const blockLags = [16, 24, 32, 40, 48, 56, 64];
  for (const d of [-1, 0, 1]) {
    const excess = blockLags.reduce((sum, lag) => sum + raw[lag + d]! - (raw[lag - 3]! + raw[lag + 3]!) / 2, 0) / blockLags.length;
    if (excess > 0) for (let lag = 8 + d; lag < raw.length; lag += 8) raw[lag] = raw[lag]! - excess;
  }
  // Peaks over the local level: broad content correlation must not favour short periods.
  return Float64Array.from({ length: maxLag + 2 }, (_, lag) => {
    let [sum, count] = [0, 0];
    for (let other = lag - 16; other <= lag + 16; other++) {
      if (Math.abs(other - lag) < 6 || other < 0 || other >= raw.length) continue;
      sum += raw[other]!;
      count += 1;
    }
    return raw[lag]! - sum / count;
  });
};

/**
 * How strongly the autocorrelation repeats with period `p`: its values at p, 2p, 3p ... summed and
 * divided by the root of their count, so the fundamental beats its multiples and its halves.
 */
const combScore = (ac: Float64Array, maxLag: number, p: number): number => {
  let sum = 0;
  let terms = 0;
  for (let lag = p; lag <= maxLag; lag += p, terms++) {
    const i = Math.floor(lag);
    sum += ac[i]! + (lag - i) * (ac[i + 1]! - ac[i]!);
  }
  return terms ? sum / Math.sqrt(terms) : 0;
};

/** `strength`: each of `both` as its comb score over the scores' RMS across the range searched. */
type PeriodScales = { x: number[]; y: number[]; both: number[]; strength: number[] };

/**
 * Candidate tile periods (as scales of TILE), periods whose multiples line up with the residual's
 * autocorrelation peaks: the best for rows and for columns alone, the best few for both at once.
 */
const periodScales = (r: Float64Array, width: number, height: number): ((maxScale: number, axes: boolean) => PeriodScales) => {
  const minLag = MIN_SCALE * TILE;
  // Long lags have few pairs, but small or downscaled images need them to see a period at all.
  const maxLagOf = (length: number) => Math.floor(0.75 * length);
  const [xLag, yLag] = [maxLagOf(width), maxLagOf(height)];
  const acX = xLag > minLag + 4 ? autocorrelation(r, width, height, true, xLag) : null;
  const acY = yLag > minLag + 4 ? autocorrelation(r, width, height, false, yLag) : null;
  // The autocorrelations once; the candidates within each range asked for.
  return (maxScale, axes) => candidatePeriods(acX, acY, xLag, yLag, minLag, maxScale, axes);
};

/** `axes`: also the best period of rows and of columns alone (only the first range's are read). */
const candidatePeriods = (acX: Float64Array | null, acY: Float64Array | null, xLag: number, yLag: number, minLag: number, maxScale: number, axes: boolean): PeriodScales => {
  /** The `count` best periods under `score` as scales, and the score's RMS over the range. */
  const best = (score: (p: number) => number, maxPeriod: number, count: number): { scales: number[]; rms: number } => {
    const peaks: { p: number; value: number }[] = [];
    let [previous, current] = [-Infinity, -Infinity];
    let [squares, scores] = [0, 0];
    for (let p = minLag; p <= maxPeriod + 0.1; p += 0.1) {
      const next = p <= maxPeriod ? score(p) : -Infinity;
      if (p <= maxPeriod) (squares += next * next), (scores += 1);
      if (current > previous && current >= next) peaks.push({ p: p - 0.1, value: current });
      [previous, current] = [current, next];
    }
    const chosen: number[] = [];
    for (const { p } of peaks.sort((a, b) => b.value - a.value)) {
      if (chosen.every((c) => Math.abs(c / p - 1) > 0.015)) chosen.push(p);
      if (chosen.length === count) break;
    }
    // Refine each to 0.01 px.
    const scales = chosen.map((p) => {
      let [bestP, bestValue] = [p, score(p)];
      for (let q = p - 0.1; q <= p + 0.1; q += 0.01) if (q <= maxPeriod && score(q) > bestValue) [bestP, bestValue] = [q, score(q)];
      return bestP / TILE;
    });
    return { scales, rms: Math.sqrt(squares / Math.max(1, scores)) };
  };
  const maxX = acX ? Math.min(maxScale * TILE, xLag) : 0;
  const maxY = acY ? Math.min(maxScale * TILE, yLag) : 0;
  const scoreX = (p: number) => (p <= maxX ? combScore(acX!, xLag, p) : 0);
  const scoreY = (p: number) => (p <= maxY ? combScore(acY!, yLag, p) : 0);
  const x = axes && acX ? best(scoreX, maxX, 1).scales : [];
  const y = axes && acY ? best(scoreY, maxY, 1).scales : [];
  // Uniform scale, the common case: either axis counts as far as it is long enough to show the period.
  const { scales: both, rms } = acX || acY ? best((p) => scoreX(p) + scoreY(p), Math.max(maxX, maxY), SCALE_CANDIDATES) : { scales: [], rms: 0 };
  return { x, y, both, strength: both.map((s) => (scoreX(s * TILE) + scoreY(s * TILE)) / (rms || 1)) };
};

/**
 * Resamples the weighted residual onto the nominal grid at scale (sx, sy) and sums it into one tile.
 * A sum, not a mean: positions seen more often, or in flatter places, carry more evidence.
 * Bilinear resampling is separable: each image row is folded along x once, then the folded rows are
 * interpolated along y, so a downscaled image (a nominal grid larger than the image) costs the
 * image's rows times the grid's width, not the grid's area.
 */
const fold = (r: Float64Array, width: number, height: number, sx: number, sy: number): Float64Array => {
  const sum = new Float64Array(TILE * TILE);
  if (sx === 1 && sy === 1) {
    // Native scale: every pixel lands on the grid as it is.
    for (let y = 0; y < height; y++) {
      const row = (y % TILE) * TILE;
      for (let x = 0, i = y * width; x < width; x++, i++) {
        const t = row + (x % TILE);
        sum[t] = sum[t]! + r[i]!;
      }
    }
    return sum;
  }
  const nominalWidth = Math.floor(width / sx);
  const nominalHeight = Math.floor(height / sy);
  const left = new Int32Array(nominalWidth);
  const towardsRight = new Float64Array(nominalWidth);
  const towardsLeft = new Float64Array(nominalWidth);
  for (let u = 0; u < nominalWidth; u++) {
    const x = Math.min(width - 1.001, Math.max(0, (u + 0.5) * sx - 0.5));
    left[u] = Math.floor(x);
    towardsRight[u] = x - left[u]!;
    towardsLeft[u] = 1 - towardsRight[u]!;
  }
  // Image rows folded along x, two at a time: y0 only grows with v.
  const folded = [new Float64Array(TILE), new Float64Array(TILE)];
  const foldedRow = [-1, -1];
  const rowFolded = (y: number): Float64Array => {
    const slot = y & 1;
    if (foldedRow[slot] === y) return folded[slot]!;
    const out = folded[slot]!.fill(0);
    // A tile's width of the grid at a time: t runs on without a modulo.
    for (let start = 0, base = y * width; start < nominalWidth; start += TILE) {
      for (let u = start, t = 0, end = Math.min(nominalWidth, start + TILE); u < end; u++, t++) {
        const i = base + left[u]!;
        out[t] = out[t]! + towardsLeft[u]! * r[i]! + towardsRight[u]! * r[i + 1]!;
      }
    }
    foldedRow[slot] = y;
    return out;
  };
  for (let v = 0; v < nominalHeight; v++) {
    const y = Math.min(height - 1.001, Math.max(0, (v + 0.5) * sy - 0.5));
    const y0 = Math.floor(y);
    const fy = y - y0;
    const top = rowFolded(y0);
    const bottom = rowFolded(y0 + 1);
    const row = (v % TILE) * TILE;
    for (let t = 0; t < TILE; t++) sum[row + t] = sum[row + t]! + (1 - fy) * top[t]! + fy * bottom[t]!;
  }
  return sum;
};

/** A tile summed over `bin` x `bin` blocks: (TILE / bin)^2 values. */
const binnedTile = (tile: Float64Array, bin: number): Float64Array => {
  if (bin === 1) return tile.slice();
  const side = TILE / bin;
  const out = new Float64Array(side * side);
  for (let y = 0; y < TILE; y++) for (let x = 0, row = Math.floor(y / bin) * side; x < TILE; x++) out[row + Math.floor(x / bin)] = out[row + Math.floor(x / bin)]! + tile[y * TILE + x]!;
  return out;
};

const syncSpectra = new WeakMap<KeyedLayout, Map<number, { re: Float64Array; im: Float64Array }>>();

/** The sync pattern's spectrum (binned by `bin`), once per layout: every alignment tried correlates with it. */
const syncSpectrum = (layout: KeyedLayout, bin: number): { re: Float64Array; im: Float64Array } => {
  const byBin = syncSpectra.get(layout) ?? new Map<number, { re: Float64Array; im: Float64Array }>();
  syncSpectra.set(layout, byBin);
  const known = byBin.get(bin);
  if (known) return known;
  const pattern = new Float64Array(TILE * TILE);
  layout.syncCells.forEach((cell, i) => stampCell(pattern, cell, layout.syncSigns[i]!));
  const side = TILE / bin;
  const spectrum = { re: binnedTile(pattern, bin), im: new Float64Array(side * side) };
  fft2d(spectrum.re, spectrum.im, side, side);
  byBin.set(bin, spectrum);
  return spectrum;
};

/**
 * The folded tile's circular correlation with the sync pattern, at every offset (dx, dy), row by row;
 * with `bin` 2, both binned first: a quarter of the offsets, 2 px apart, for a fifth of the cost.
 */
const syncCorrelation = (tile: Float64Array, layout: KeyedLayout, bin = 1): Float64Array => {
  const side = TILE / bin;
  const { re: template, im: bIm } = syncSpectrum(layout, bin);
  const aRe = binnedTile(tile, bin);
  const aIm = new Float64Array(side * side);
  fft2d(aRe, aIm, side, side);
  const re = new Float64Array(side * side);
  const im = new Float64Array(side * side);
  for (let i = 0; i < re.length; i++) {
    re[i] = aRe[i]! * template[i]! + aIm[i]! * bIm[i]!;
    im[i] = aIm[i]! * template[i]! - aRe[i]! * bIm[i]!;
  }
  fft2d(re, im, side, side, true);
  return re;
};

/** Offsets (dx, dy) where the folded tile lines up with the sync pattern, best first. */
const syncOffsets = (tile: Float64Array, layout: KeyedLayout, count: number): [number, number][] => {
  const re = syncCorrelation(tile, layout);
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

/** The folded tile's correlation with a cell's bump, the cell's grid shifted by (dx, dy). */
const cellCorrelation = (tile: Float64Array, cell: number, dx: number, dy: number): number => {
  const x0 = (cell % CELLS_PER_SIDE) * CELL + dx;
  const y0 = Math.floor(cell / CELLS_PER_SIDE) * CELL + dy;
  let sum = 0;
  if (x0 + CELL <= TILE && y0 + CELL <= TILE) {
    // Most cells do not wrap round the tile's edge: no modulo in the loop.
    for (let y = 0, bump = 0; y < CELL; y++) for (let i = (y0 + y) * TILE + x0, end = i + CELL; i < end; i++, bump++) sum += tile[i]! * BUMP[bump]!;
    return sum;
  }
  for (let y = 0; y < CELL; y++) {
    const row = ((y0 + y) % TILE) * TILE;
    for (let x = 0; x < CELL; x++) sum += tile[row + ((x0 + x) % TILE)]! * BUMP[y * CELL + x]!;
  }
  return sum;
};

/** Soft coded bits read from the folded tile at offset (dx, dy); positive leans to 1. */
const despread = (tile: Float64Array, layout: KeyedLayout, dx: number, dy: number): Float64Array => {
  const soft = new Float64Array(CODED_BITS);
  layout.messageCells.forEach((cell, i) => {
    soft[layout.messageBits[i]!] = soft[layout.messageBits[i]!]! + cellCorrelation(tile, cell, dx, dy) * layout.messageSigns[i]!;
  });
  const rms = Math.sqrt(soft.reduce((total, s) => total + s * s, 0) / soft.length) || 1;
  return soft.map((s) => s / rms);
};

/** How well the folded tile at offset (dx, dy) matches the sync pattern. */
const syncMatch = (tile: Float64Array, layout: KeyedLayout, dx: number, dy: number): number =>
  layout.syncCells.reduce((sum, cell, i) => sum + cellCorrelation(tile, cell, dx, dy) * layout.syncSigns[i]!, 0);

/** Refinement: scale in 0.4% steps up to 1.2% either way, offsets up to 2 px around where the sync pattern last lined up. */
const REFINE_SCALE_STEP = 0.004;
const REFINE_SCALE_STEPS = 3;
const REFINE_OFFSET_REACH = 2;
/** Refinement folds the image nine times: only where the nominal grid is small (a fold costs one step per grid point). */
const REFINE_MAX_SAMPLES = 600_000;
/** Uniform scale candidates tried, best first, and how many of them are refined. */
const SCALE_CANDIDATES = 8;
/**
 * How far a candidate past the first scale range must stand above the comb's RMS score to be tried:
 * overlay screenshots at display scales 1.5 to 3 show their period at 13 to 19, the 32 unmarked bench
 * photos (JPEG 80) their best period past 1.3 at 5.9 at most, mostly under 4.
 */
const PERIOD_EVIDENCE = 8;
const REFINED_CANDIDATES = 4;

/**
 * A scale from the autocorrelation of few periods (a small image, or content that repeats itself)
 * can be a percent off, which drifts the cells by more than their width across the image. Around
 * the candidate, the scale and offset where the sync pattern matches best. Offsets come from the
 * sync correlation at every second step (past half a percent off, it loses the grid).
 */
const refinedAlignment = (r: Float64Array, width: number, height: number, scale: number, offsets: [number, number][], layout: KeyedLayout) => {
  let best = { score: -Infinity, scale, dx: offsets[0]![0], dy: offsets[0]![1] };
  const tryScale = (candidate: number, tile: Float64Array, anchor: { scale: number; offsets: [number, number][] }) => {
    // The sync match sits where the grid fits mid-image: a new scale moves that point on the nominal grid.
    const [driftX, driftY] = [Math.round((width / 2) * (1 / candidate - 1 / anchor.scale)), Math.round((height / 2) * (1 / candidate - 1 / anchor.scale))];
    for (const [ox, oy] of anchor.offsets) {
      for (let ey = -REFINE_OFFSET_REACH; ey <= REFINE_OFFSET_REACH; ey++) {
        for (let ex = -REFINE_OFFSET_REACH; ex <= REFINE_OFFSET_REACH; ex++) {
          const [dx, dy] = [(((ox + driftX + ex) % TILE) + TILE) % TILE, (((oy + driftY + ey) % TILE) + TILE) % TILE];
          const score = syncMatch(tile, layout, dx, dy);
          if (score > best.score) best = { score, scale: candidate, dx, dy };
        }
      }
    }
  };
  const start = { scale, offsets: offsets.slice(0, 1) };
  let anchor = start;
  for (let step = -REFINE_SCALE_STEPS; step <= REFINE_SCALE_STEPS; step++) {
    const candidate = scale * (1 + step * REFINE_SCALE_STEP);
    const tile = fold(r, width, height, candidate, candidate);
    if (step === 0) anchor = start;
    else if (step % 2 === 0) anchor = { scale: candidate, offsets: syncOffsets(tile, layout, 1) };
    tryScale(candidate, tile, anchor);
  }
  // Half a step either side of the best.
  const coarse = { scale: best.scale, offsets: [[best.dx, best.dy]] as [number, number][] };
  for (const side of [-1, 1]) {
    const candidate = coarse.scale * (1 + (side * REFINE_SCALE_STEP) / 2);
    tryScale(candidate, fold(r, width, height, candidate, candidate), coarse);
  }
  return best;
};

/**
 * The residual folded into one tile through a grid map: each pixel is taken back to the grid and
 * spread bilinearly over the four tile positions around it. The inverse of the map in closed form:
 * with w = A^-1 (p - centre), u = w / (1 - k . w).
 */
const foldMapped = (r: Float64Array, width: number, { a, k, cx, cy }: GridMap, [x0, y0, x1, y1]: Region, step = 1): Float64Array => {
  const sum = new Float64Array(TILE * TILE);
  const det = a[0] * a[3] - a[1] * a[2];
  const [i00, i01, i10, i11] = [a[3] / det, -a[1] / det, -a[2] / det, a[0] / det];
  // Far enough past zero that every grid coordinate is positive before taking it modulo the tile.
  const positive = TILE * 4096;
  for (let y = y0; y < y1; y += step) {
    const dy = y - cy;
    for (let x = x0, i = y * width + x0; x < x1; x += step, i += step) {
      const value = r[i]!;
      if (value === 0) continue;
      const dx = x - cx;
      const wx = i00 * dx + i01 * dy;
      const wy = i10 * dx + i11 * dy;
      const scale = 1 / (1 - k[0] * wx - k[1] * wy);
      const ux = wx * scale + positive;
      const uy = wy * scale + positive;
      const fx = Math.floor(ux);
      const fy = Math.floor(uy);
      const tx = fx & (TILE - 1);
      const ty = fy & (TILE - 1);
      const nx = (tx + 1) & (TILE - 1);
      const ny = ((ty + 1) & (TILE - 1)) * TILE;
      const rx = ux - fx;
      const ry = uy - fy;
      const top = ty * TILE;
      sum[top + tx] = sum[top + tx]! + value * (1 - rx) * (1 - ry);
      sum[top + nx] = sum[top + nx]! + value * rx * (1 - ry);
      sum[ny + tx] = sum[ny + tx]! + value * (1 - rx) * ry;
      sum[ny + nx] = sum[ny + nx]! + value * rx * ry;
    }
  }
  return sum;
};

export type Extraction = { payload: MarkPayload; confidence: number };

type Reading = { soft: Float64Array };

/** `compute`, remembered per high-pass radius: a search folds the same residual at many scales. */
const perRadius = <T>(compute: (radius: number) => T): ((radius: number) => T) => {
  const known = new Map<number, T>();
  return (radius) => {
    if (!known.has(radius)) known.set(radius, compute(radius));
    return known.get(radius)!;
  };
};

/**
 * Alignments worth decoding, most likely first: the native scale (screenshots and re-saved files
 * keep it), then the scales the tiles' autocorrelation suggests, each with its best sync offsets.
 * The autocorrelation is only computed when the native scale did not read. Images small enough to
 * whiten cheaply are read once more at each scale, from the whitened residual.
 */
function* readings(image: RgbaImage, layout: KeyedLayout): Generator<Reading> {
  const { width, height } = image;
  // Both high-pass radii read the same luma.
  const lumaValues = luma(image);
  const residual = perRadius((radius) => weightedResidual(lumaValues, width, height, radius));
  const whitened = perRadius((radius) => whitenedResidual(residual(radius), width, height));
  const tried = new Set<string>();
  /** Soft bits at each offset of the folded tile, then at the best one of the whitened residual folded alike. */
  function* readAt(radius: number, tile: Float64Array, scale: [number, number], offsets: [number, number][]): Generator<Reading> {
    for (const [dx, dy] of offsets) yield { soft: despread(tile, layout, dx, dy) };
    const w = whitened(radius);
    if (w) yield { soft: despread(fold(w, width, height, ...scale), layout, ...offsets[0]!) };
  }
  function* at(sx: number, sy: number, refine = false): Generator<Reading> {
    const id = `${sx.toFixed(4)}x${sy.toFixed(4)}`;
    if (tried.has(id)) return;
    tried.add(id);
    const radius = residualRadius(Math.max(sx, sy));
    const r = residual(radius);
    const tile = fold(r, width, height, sx, sy);
    const offsets = syncOffsets(tile, layout, 3);
    yield* readAt(radius, tile, [sx, sy], offsets);
    if (!refine || (width * height) / (sx * sx) > REFINE_MAX_SAMPLES) return;
    const refined = refinedAlignment(r, width, height, sx, offsets, layout);
    if (refined.scale === sx && offsets.some(([dx, dy]) => dx === refined.dx && dy === refined.dy)) return;
    yield* readAt(radius, fold(r, width, height, refined.scale, refined.scale), [refined.scale, refined.scale], [[refined.dx, refined.dy]]);
  }
  yield* at(1, 1);
  const scalesUpTo = periodScales(residual(residualRadius(1)), width, height);
  const scales = scalesUpTo(FIRST_MAX_SCALE, true);
  for (const [rank, s] of scales.both.entries()) yield* at(s, s, rank < REFINED_CANDIDATES);
  if (scales.x.length && scales.y.length) yield* at(scales.x[0]!, scales.y[0]!);
  // Then display scales (1.3 to 3.2): only candidates past the first range whose period stands out
  // of the comb's scores (an overlay screenshot's does; an unmarked image's largest periods are
  // noise over few multiples, and trying them cost half a second).
  const wide = scalesUpTo(MAX_SCALE, false);
  const beyond = wide.both.filter((s, i) => s > FIRST_MAX_SCALE && wide.strength[i]! >= PERIOD_EVIDENCE);
  for (const [rank, s] of beyond.entries()) yield* at(s, s, rank < REFINED_CANDIDATES);
  yield* perspective(lumaValues, width, height, layout);
}

/**
 * Alignments for a grid that is turned, sheared or foreshortened (a photo of a screen, a turned copy),
 * tried only once the scale-only ones failed. The scale and turn at the image's centre come from a
 * scan of the central tile span's sync peak; local registration then finds the perspective.
 */
function* perspective(lumaValues: Float64Array, width: number, height: number, layout: KeyedLayout): Generator<Reading> {
  // The scan reads only the centre: its own residual there first (682 x 682 px, a fifth of a 1080p image), the whole
  // image's only for the images it lets through.
  const reach = Math.ceil(0.5 * TILE * SCAN_SCALES[SCAN_SCALES.length - 1]!) + 2 * (MOIRE_RADIUS + MIN_PHOTO_RADIUS + ENERGY_RADIUS);
  const [x0, y0] = [Math.max(0, Math.floor(width / 2) - reach), Math.max(0, Math.floor(height / 2) - reach)];
  const [x1, y1] = [Math.min(width, Math.floor(width / 2) + reach), Math.min(height, Math.floor(height / 2) + reach)];
  // An image no larger than the centre is read whole, once.
  const whole = x1 - x0 === width && y1 - y0 === height;
  const centre = whole ? lumaValues : new Float64Array((x1 - x0) * (y1 - y0));
  if (!whole) for (let y = y0; y < y1; y++) centre.set(lumaValues.subarray(y * width + x0, y * width + x1), (y - y0) * (x1 - x0));
  const centreResidual = photoResidual(centre, x1 - x0, y1 - y0, MIN_PHOTO_RADIUS);
  const scanned = centreGrids(centreResidual, x1 - x0, y1 - y0, width / 2 - x0, height / 2 - y0, layout);
  const starts = scanned.filter((grid) => grid.contrast >= CENTRE_EVIDENCE).slice(0, PERSPECTIVE_STARTS);
  if (!starts.length) return;
  const residual = perRadius((radius) => (whole && radius === MIN_PHOTO_RADIUS ? centreResidual : photoResidual(lumaValues, width, height, radius)));
  for (const { map: local } of starts) {
    const map: GridMap = { ...local, cx: width / 2, cy: height / 2 };
    const r = residual(Math.max(MIN_PHOTO_RADIUS, Math.round(MIN_PHOTO_RADIUS * scaleOf(map))));
    const tile = foldMapped(r, width, map, [0, 0, width, height]);
    for (const [dx, dy] of syncOffsets(tile, layout, 2)) yield { soft: despread(tile, layout, dx, dy) };
    yield* registered(r, width, height, map, layout);
  }
}

/**
 * The weighted residual of luma band-passed for photos: a camera's moire beats the screen's pixel
 * grid down to periods of a few pixels, above the cells' band, and a 5 x 5 mean takes most of it off
 * before the high-pass.
 */
const photoResidual = (lumaValues: Float64Array, width: number, height: number, radius: number): Float64Array => {
  const smoothMean = boxMeanRows((y) => lumaValues.subarray(y * width, (y + 1) * width), width, height, MOIRE_RADIUS);
  const smoothed = new Float64Array(lumaValues.length);
  for (let y = 0; y < height; y++) smoothed.set(smoothMean(y), y * width);
  return weightedResidual(smoothed, width, height, radius);
};

const MOIRE_RADIUS = 2;
/** The high-pass radius for photos at native scale, growing with the scale (cells of 8 px at scale 1). */
const MIN_PHOTO_RADIUS = 3;

/** The map's scale: the root of its affine part's area. */
const scaleOf = (map: GridMap): number => Math.sqrt(Math.abs(map.a[0] * map.a[3] - map.a[1] * map.a[2]));

/** A rectangle of the image: x0, y0 (inclusive), x1, y1 (exclusive). */
type Region = [number, number, number, number];

/**
 * Where the sync correlation peaks (to a fraction of a pixel), and how far it stands above the
 * correlation's RMS; `bin` as for syncCorrelation (the position then only to 2 px).
 */
const syncPeak = (tile: Float64Array, layout: KeyedLayout, bin = 1): { dx: number; dy: number; contrast: number } => {
  const side = TILE / bin;
  const c = syncCorrelation(tile, layout, bin);
  let [best, squares] = [0, 0];
  for (let i = 0; i < c.length; i++) {
    squares += c[i]! * c[i]!;
    if (c[i]! > c[best]!) best = i;
  }
  const [x, y] = [best % side, Math.floor(best / side)];
  const at = (dx: number, dy: number) => c[((y + dy + side) % side) * side + ((x + dx + side) % side)]!;
  const offset = (minus: number, plus: number) => (minus + plus - 2 * c[best]! < 0 ? (0.5 * (minus - plus)) / (minus + plus - 2 * c[best]!) : 0);
  return { dx: bin * (x + offset(at(-1, 0), at(1, 0))), dy: bin * (y + offset(at(0, -1), at(0, 1))), contrast: c[best]! / Math.sqrt(squares / c.length || 1) };
};

/** Scales the centre scan tries: 3% apart (a tile span reads within 1.5% of its scale), from a desktop photo's to a phone's. */
const SCAN_SCALES = Array.from({ length: 34 }, (_, i) => 0.95 * 1.03 ** i);
/** A screen photo's roll: the scan's best three scales are tried again turned this much either way. */
const SCAN_TURN = (1.5 * Math.PI) / 180;
/**
 * How far the centre's sync peak must stand above its correlation's RMS for the perspective search to
 * run: in the bench's screen photos that did not read, and in unmarked photos, the best of the 40 folds
 * scanned stood at 4.2 to 5.2; in those that read, at 5.7 to 22.
 */
const CENTRE_EVIDENCE = 5.5;
/** The centre grids the perspective search starts from, clearest first. */
const PERSPECTIVE_STARTS = 2;

/** Scale `scale` turned by `angle` about the image centre (cx, cy), as a grid map. */
const turnedScale = (scale: number, angle: number, cx: number, cy: number): GridMap => {
  const [c, s] = [scale * Math.cos(angle), scale * Math.sin(angle)];
  return { a: [c, -s, s, c], k: [0, 0], cx, cy };
};

/**
 * The grid at (cx, cy), the image's centre, where a screen photo's perspective matters least: the
 * central tile span folded at each scale tried, then the best three turned a little either way; clearest first.
 */
const centreGrids = (r: Float64Array, width: number, height: number, cx: number, cy: number, layout: KeyedLayout): { map: GridMap; contrast: number }[] => {
  const clarity = (map: GridMap) => {
    const half = Math.min(0.5 * TILE * scaleOf(map), cx, cy, width - cx, height - cy);
    const region: Region = [Math.round(cx - half), Math.round(cy - half), Math.round(cx + half), Math.round(cy + half)];
    // Cells of 12 px and more are read well enough from every second pixel of every second row.
    return { map, contrast: syncPeak(foldMapped(r, width, map, region, scaleOf(map) >= 1.5 ? 2 : 1), layout, 2).contrast };
  };
  const upright = SCAN_SCALES.map((scale) => clarity(turnedScale(scale, 0, cx, cy))).sort((a, b) => b.contrast - a.contrast);
  const turned = upright.slice(0, 3).flatMap(({ map }) => [-SCAN_TURN, SCAN_TURN].map((angle) => clarity(turnedScale(scaleOf(map), angle, cx, cy))));
  return [...upright, ...turned].sort((a, b) => b.contrast - a.contrast);
};

/** A window's sync peak counts as a measurement when it stands this far above its correlation's RMS. */
const LOCAL_SYNC_CONTRAST = 6;
/** Local positions further than this (grid px) from the fitted map are taken for false peaks, and the map fitted again without them. */
const REGISTRATION_OUTLIER = 6;
const REGISTRATION_ROUNDS = 4;
/** Windows measured before a homography is fitted rather than an affine map (which borrows its perspective from the local scales). */
const HOMOGRAPHY_POINTS = 8;
/** Each window is folded at these scales of the map's: a screen tilted 10 degrees changes scale by up to 20% across a phone's photo. */
const LOCAL_SCALES = [0.92, 0.96, 1, 1.04, 1.08];

/** Signed difference of two tile offsets, taken the short way round the tile. */
const wrapped = (d: number): number => d - TILE * Math.round(d / TILE);

/** Whether points spread at least `reach` from their mean in every direction: a fit through points in a line has no say across it. */
const spreadOut = (points: Point[], reach: number): boolean => {
  const n = points.length;
  const [mx, my] = [points.reduce((sum, [x]) => sum + x, 0) / n, points.reduce((sum, [, y]) => sum + y, 0) / n];
  const [xx, yy, xy] = points.reduce(([a, b, c], [x, y]) => [a + (x - mx) ** 2 / n, b + (y - my) ** 2 / n, c + ((x - mx) * (y - my)) / n], [0, 0, 0]);
  const smaller = (xx + yy) / 2 - Math.sqrt(((xx - yy) / 2) ** 2 + xy * xy);
  return Math.sqrt(Math.max(0, smaller)) >= reach;
};

/** A fitted map stays a screen photo's: scale within 30% of the last map's, and no corner of the image near the horizon or more than half again foreshortened. */
const plausible = (next: GridMap, last: GridMap, width: number, height: number): boolean => {
  const ratio = scaleOf(next) / scaleOf(last);
  if (!Number.isFinite(ratio) || ratio < 0.7 || ratio > 1.3) return false;
  return [[0, 0], [width, 0], [0, height], [width, height]].every(([x, y]) => {
    const [ux, uy] = gridPointOf(next, [x!, y!]);
    const w = 1 + next.k[0] * ux + next.k[1] * uy;
    return Number.isFinite(w) && w > 0.6 && w < 1.6;
  });
};

/** A window's measurement: where it is, how clear its peak, the local scale that read it best, and the map's error there in grid px. */
type LocalPeak = { centre: Point; contrast: number; factor: number; error: [number, number] };

/**
 * The perspective from local scales, to first order. With p = centre + A u / w, w = 1 + k . u, the grid
 * about u is scaled by 1 / w across k and 1 / w^2 along it; taking a window's best uniform `factor`
 * for w_map / w, (1 + k_map . u) / factor is linear in u, and its slope over its level is the k sought.
 * (With the area's exponent, w_map / factor^(2/3), and with the outliers left out of this estimate too,
 * the bench's drawn screen photos read 33 of 42 rather than 34: the later rounds' fitted positions
 * correct what this leaves.) Null when the windows do not fix it.
 */
const perspectiveOfScales = (peaks: LocalPeak[], map: GridMap): [number, number] | null => {
  const grid = peaks.map((p) => gridPointOf(map, p.centre));
  const rows = grid.map(([ux, uy]) => [1, ux, uy]);
  const targets = grid.map(([ux, uy], n) => (1 + map.k[0] * ux + map.k[1] * uy) / peaks[n]!.factor);
  const weights = peaks.map((p) => p.contrast ** 2);
  const normal = [0, 1, 2].map((i) => [0, 1, 2].map((j) => rows.reduce((sum, row, n) => sum + weights[n]! * row[i]! * row[j]!, 0)));
  const rhs = [0, 1, 2].map((i) => rows.reduce((sum, row, n) => sum + weights[n]! * row[i]! * targets[n]!, 0));
  const solved = solveLinear(normal, rhs);
  return solved && [solved[1]! / solved[0]!, solved[2]! / solved[0]!];
};

/**
 * Perspective by local registration. The image is cut into windows a tile span on a side, each folded
 * alone through the current map at a few scales about it; where a window's sync peak lies against the
 * clearest window's tells how far the map is off there, in grid px. Those grid positions fit the map
 * again: affine while they are few, a homography once there are eight, with the first round's local
 * scales giving the perspective. A few rounds, since a better map sharpens the windows it missed.
 */
function* registered(r: Float64Array, width: number, height: number, start: GridMap, layout: KeyedLayout): Generator<Reading> {
  let map = start;
  for (let round = 0; round < REGISTRATION_ROUNDS; round++) {
    const span = TILE * scaleOf(map);
    const [columns, rows] = [Math.max(2, Math.round(width / span)), Math.max(2, Math.round(height / span))];
    const xs = Array.from({ length: columns + 1 }, (_, i) => Math.round((i * width) / columns));
    const ys = Array.from({ length: rows + 1 }, (_, i) => Math.round((i * height) / rows));
    const windows = ys.slice(1).flatMap((_, by) => xs.slice(1).map((__, bx): Region => [xs[bx]!, ys[by]!, xs[bx + 1]!, ys[by + 1]!]));
    const centres = windows.map((w): Point => [(w[0] + w[2]) / 2, (w[1] + w[3]) / 2]);
    const best: LocalPeak[] = centres.map((centre) => ({ centre, contrast: 0, factor: 1, error: [0, 0] }));
    for (const factor of LOCAL_SCALES) {
      const local: GridMap = { ...map, a: map.a.map((v) => v * factor) as GridMap['a'] };
      windows.forEach((window, w) => {
        const peak = syncPeak(foldMapped(r, width, local, window), layout);
        if (peak.contrast <= best[w]!.contrast) return;
        const [seen, base] = [gridPointOf(local, centres[w]!), gridPointOf(map, centres[w]!)];
        best[w] = { centre: centres[w]!, contrast: peak.contrast, factor, error: [seen[0] - peak.dx - base[0], seen[1] - peak.dy - base[1]] };
      });
    }
    const peaks = best.filter((p) => p.contrast >= LOCAL_SYNC_CONTRAST);
    if (peaks.length < 3 || !spreadOut(peaks.map((p) => p.centre), span / 4)) return;
    // Errors against the clearest window's, the short way round the tile.
    const reference = peaks.reduce((clearest, p) => (p.contrast > clearest.contrast ? p : clearest));
    let from: Point[] = peaks.map((p) => {
      const base = gridPointOf(map, p.centre);
      return [base[0] + reference.error[0] + wrapped(p.error[0] - reference.error[0]), base[1] + reference.error[1] + wrapped(p.error[1] - reference.error[1])];
    });
    let to: Point[] = peaks.map((p) => p.centre);
    let weights = peaks.map((p) => p.contrast ** 2);
    const fit = () => (from.length >= HOMOGRAPHY_POINTS ? fitHomography(from, to, weights) : fitAffine(from, to, weights));
    let h = fit();
    if (!h) return;
    const inverse = invertHomography(h);
    const kept = from.map((f, i) => {
      const [ux, uy] = applyHomography(inverse, to[i]!);
      return Math.hypot(ux - f[0], uy - f[1]) <= REGISTRATION_OUTLIER;
    });
    if (kept.includes(false) && kept.filter(Boolean).length >= 3) {
      [from, to, weights] = [from.filter((_, i) => kept[i]), to.filter((_, i) => kept[i]), weights.filter((_, i) => kept[i])];
      h = fit();
      if (!h) return;
    }
    let next = gridMapOf(h, width / 2, height / 2);
    // An affine fit has no perspective: the local scales lend theirs.
    const k = from.length < HOMOGRAPHY_POINTS ? perspectiveOfScales(peaks, map) : null;
    if (k) next = { ...next, k };
    if (!plausible(next, map, width, height)) return;
    map = next;
    const tile = foldMapped(r, width, map, [0, 0, width, height]);
    for (const [dx, dy] of syncOffsets(tile, layout, 2)) yield { soft: despread(tile, layout, dx, dy) };
  }
}

/**
 * Messages per alignment the CRC chooses among. Each costs the CRC's 32 bits a chance to pass by
 * accident: 16 per reading over some 50 readings is about 800 tries, 2e-7 per unmarked image (less
 * with bounds, which rule out most wrong payloads before the CRC is asked).
 */
const DECODED_LIST = 16;

/**
 * Reads the mark from a possibly attacked copy, without the original: despreading, list Viterbi
 * and the CRC over each likely alignment. Answers null rather than a wrong member: a foreign key or an
 * unmarked image fails the CRC. Bounds (what the tracer knows) fix some bits for the decoder, which
 * gains it most where the mark is weakest, and rule out payloads no one could have made.
 */
export const extractMark = (image: RgbaImage, key: Uint8Array, bounds?: MarkBounds): Extraction | null => {
  const layout = keyedLayout(key);
  const known = bounds && knownBits(bounds).map((bit, i) => (bit < 0 ? -1 : bit ^ layout.whitening[i]!));
  for (const { soft } of readings(image, layout)) {
    for (const bits of decodeList(soft, PROTECTED_BITS, DECODED_LIST, known)) {
      const payload = checkPayload(bits.map((bit, i) => bit ^ layout.whitening[i]!));
      if (!payload || (bounds && !withinBounds(payload, bounds))) continue;
      const coded = encode(bits);
      const agreeing = coded.filter((bit, i) => (bit ? soft[i]! > 0 : soft[i]! <= 0)).length;
      return { payload, confidence: +(agreeing / coded.length).toFixed(3) };
    }
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
