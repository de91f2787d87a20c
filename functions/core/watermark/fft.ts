/** In-place iterative radix-2 FFT of `re`/`im` (length a power of two); `inverse` also divides by n. */
export const fft = (re: Float64Array, im: Float64Array, inverse = false): void => {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / size;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let start = 0; start < n; start += size) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < size / 2; k++) {
        const a = start + k;
        const b = a + size / 2;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
  if (inverse) for (let i = 0; i < n; i++) (re[i] = re[i]! / n), (im[i] = im[i]! / n);
};

/** 2-D FFT of an n x n grid stored row by row. */
export const fft2d = (re: Float64Array, im: Float64Array, n: number, inverse = false): void => {
  const rowRe = new Float64Array(n);
  const rowIm = new Float64Array(n);
  for (let pass = 0; pass < 2; pass++) {
    for (let line = 0; line < n; line++) {
      for (let k = 0; k < n; k++) {
        const index = pass === 0 ? line * n + k : k * n + line;
        rowRe[k] = re[index]!;
        rowIm[k] = im[index]!;
      }
      fft(rowRe, rowIm, inverse);
      for (let k = 0; k < n; k++) {
        const index = pass === 0 ? line * n + k : k * n + line;
        re[index] = rowRe[k]!;
        im[index] = rowIm[k]!;
      }
    }
  }
};

export const nextPowerOfTwo = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));
