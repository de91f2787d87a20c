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

/** Swaps rows and columns of an n x n grid in place. */
const transpose = (values: Float64Array, n: number): void => {
  for (let y = 0; y < n; y++) {
    for (let x = y + 1; x < n; x++) {
      const a = y * n + x;
      const b = x * n + y;
      const t = values[a]!;
      values[a] = values[b]!;
      values[b] = t;
    }
  }
};

/** 2-D FFT of an n x n grid stored row by row: rows in place, then columns as rows of the transpose. */
export const fft2d = (re: Float64Array, im: Float64Array, n: number, inverse = false): void => {
  const tables = tablesFor(n);
  for (let pass = 0; pass < 2; pass++) {
    for (let row = 0; row < n; row++) transform(re, im, row * n, n, inverse, tables);
    transpose(re, n);
    transpose(im, n);
  }
};

export const nextPowerOfTwo = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));
