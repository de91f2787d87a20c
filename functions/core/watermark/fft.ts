type Tables = { reversed: Uint32Array; cos: Float64Array; sin: Float64Array };
const tablesBySize = new Map<number, Tables>();

/** Bit-reversal permutation and twiddle factors for length n, computed once per length. */
const tablesFor = (n: number): Tables => {
  const known = tablesBySize.get(n);
  if (known) return known;
  const reversed = new Uint32Array(n);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    reversed[i] = j;
  }
  const cos = Float64Array.from({ length: n / 2 }, (_, k) => Math.cos((-2 * Math.PI * k) / n));
  const sin = Float64Array.from({ length: n / 2 }, (_, k) => Math.sin((-2 * Math.PI * k) / n));
  const tables = { reversed, cos, sin };
  tablesBySize.set(n, tables);
  return tables;
};

/** Radix-2 FFT of the n values from `offset` in place; `inverse` also divides by n. */
const transform = (re: Float64Array, im: Float64Array, offset: number, n: number, inverse: boolean, { reversed, cos, sin }: Tables): void => {
  for (let i = 1; i < n; i++) {
    const j = reversed[i]!;
    if (i < j) {
      const a = offset + i;
      const b = offset + j;
      const tr = re[a]!;
      const ti = im[a]!;
      re[a] = re[b]!;
      im[a] = im[b]!;
      re[b] = tr;
      im[b] = ti;
    }
  }
  const direction = inverse ? -1 : 1;
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const stride = n / size;
    // Twiddle outermost: each is loaded once per stage.
    for (let k = 0; k < half; k++) {
      const wr = cos[k * stride]!;
      const wi = direction * sin[k * stride]!;
      for (let a = offset + k; a < offset + n; a += size) {
        const b = a + half;
        const br = re[b]!;
        const bi = im[b]!;
        const tr = br * wr - bi * wi;
        const ti = br * wi + bi * wr;
        const ar = re[a]!;
        const ai = im[a]!;
        re[b] = ar - tr;
        im[b] = ai - ti;
        re[a] = ar + tr;
        im[a] = ai + ti;
      }
    }
  }
  if (inverse) {
    for (let i = offset; i < offset + n; i++) {
      re[i] = re[i]! / n;
      im[i] = im[i]! / n;
    }
  }
};

/** In-place iterative radix-2 FFT of `re`/`im` (length a power of two); `inverse` also divides by n. */
export const fft = (re: Float64Array, im: Float64Array, inverse = false): void => transform(re, im, 0, re.length, inverse, tablesFor(re.length));

/**
 * 2-D FFT of a width x height grid stored row by row (both powers of two): rows in place, then each
 * column copied out, transformed and copied back.
 */
export const fft2d = (re: Float64Array, im: Float64Array, width: number, height: number, inverse = false): void => {
  const rowTables = tablesFor(width);
  for (let row = 0; row < height; row++) transform(re, im, row * width, width, inverse, rowTables);
  const columnTables = tablesFor(height);
  const columnRe = new Float64Array(height);
  const columnIm = new Float64Array(height);
  for (let x = 0; x < width; x++) {
    for (let y = 0, i = x; y < height; y++, i += width) {
      columnRe[y] = re[i]!;
      columnIm[y] = im[i]!;
    }
    transform(columnRe, columnIm, 0, height, inverse, columnTables);
    for (let y = 0, i = x; y < height; y++, i += width) {
      re[i] = columnRe[y]!;
      im[i] = columnIm[y]!;
    }
  }
};

export const nextPowerOfTwo = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));
