/**
 * Where the nominal tile grid lies in an image that is not only scaled: a photo of a screen turns,
 * shears and foreshortens it. Grid point u (nominal px, from the grid point that lands on the image
 * centre) lands at centre + A u / (1 + k . u): A the affine part (rotation, scale, shear, aspect), k
 * the perspective. Any homography from the grid to the image takes this form once the grid's origin
 * is moved to the point it sends to the centre, and the trace finds that origin (modulo the tile) by
 * the sync pattern, so the form loses nothing.
 */
export type GridMap = { a: [number, number, number, number]; k: [number, number]; cx: number; cy: number };

export type Point = readonly [number, number];

/** A 3 x 3 projective map, row major. */
export type Homography = readonly number[];

export const applyHomography = (h: Homography, [x, y]: Point): [number, number] => {
  const w = h[6]! * x + h[7]! * y + h[8]!;
  return [(h[0]! * x + h[1]! * y + h[2]!) / w, (h[3]! * x + h[4]! * y + h[5]!) / w];
};

const multiply = (a: Homography, b: Homography): number[] =>
  [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => a[3 * r]! * b[c]! + a[3 * r + 1]! * b[3 + c]! + a[3 * r + 2]! * b[6 + c]!));

export const invertHomography = (m: Homography): number[] => {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [e * i - f * h, c * h - b * i, b * f - c * e, f * g - d * i, a * i - c * g, c * d - a * f, d * h - e * g, b * g - a * h, a * e - b * d].map((v) => v / det);
};

/** Image point to grid point: w = A^-1 (p - centre), u = w / (1 - k . w). */
export const gridPointOf = ({ a, k, cx, cy }: GridMap, [x, y]: Point): [number, number] => {
  const det = a[0] * a[3] - a[1] * a[2];
  const [dx, dy] = [x - cx, y - cy];
  const wx = (a[3] * dx - a[1] * dy) / det;
  const wy = (-a[2] * dx + a[0] * dy) / det;
  const scale = 1 / (1 - k[0] * wx - k[1] * wy);
  return [wx * scale, wy * scale];
};

/** Grid point to image point. */
export const imagePointOf = ({ a, k, cx, cy }: GridMap, [ux, uy]: Point): [number, number] => {
  const w = 1 + k[0] * ux + k[1] * uy;
  return [cx + (a[0] * ux + a[1] * uy) / w, cy + (a[2] * ux + a[3] * uy) / w];
};

/** The homography `h` (grid to image) as a grid map about the image centre (cx, cy). */
export const gridMapOf = (h: Homography, cx: number, cy: number): GridMap => {
  const [u0x, u0y] = applyHomography(invertHomography(h), [cx, cy]);
  const moved = multiply(h, [1, 0, u0x, 0, 1, u0y, 0, 0, 1]);
  const g = moved.map((v) => v / moved[8]!);
  const k: [number, number] = [g[6]!, g[7]!];
  return { a: [g[0]! - cx * k[0], g[1]! - cx * k[1], g[3]! - cy * k[0], g[4]! - cy * k[1]], k, cx, cy };
};

/** Mean spread of the points about their centroid, and the similarity taking them to spread sqrt(2) about 0 (Hartley). */
const normalising = (points: readonly Point[], weights: readonly number[]): number[] => {
  const total = weights.reduce((sum, w) => sum + w, 0);
  const mx = points.reduce((sum, [x], i) => sum + weights[i]! * x, 0) / total;
  const my = points.reduce((sum, [, y], i) => sum + weights[i]! * y, 0) / total;
  const spread = points.reduce((sum, [x, y], i) => sum + weights[i]! * Math.hypot(x - mx, y - my), 0) / total || 1;
  const s = Math.SQRT2 / spread;
  return [s, 0, -s * mx, 0, s, -s * my, 0, 0, 1];
};

/** Solves the n x n system `m x = b` by Gaussian elimination with partial pivoting; null if singular. */
export const solveLinear = (m: number[][], b: number[]): number[] | null => {
  const n = b.length;
  const rows = m.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(rows[r]![c]!) > Math.abs(rows[pivot]![c]!)) pivot = r;
    if (Math.abs(rows[pivot]![c]!) < 1e-12) return null;
    [rows[c], rows[pivot]] = [rows[pivot]!, rows[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const factor = rows[r]![c]! / rows[c]![c]!;
      for (let k = c; k <= n; k++) rows[r]![k] = rows[r]![k]! - factor * rows[c]![k]!;
    }
  }
  return rows.map((row, i) => row[n]! / row[i]!);
};

/**
 * The homography taking each `from` point to its `to` point, in the weighted least-squares sense of the
 * direct linear transform (h33 = 1) on normalised coordinates. Needs four points, no three in a line;
 * null when they do not fix one.
 */
export const fitHomography = (from: readonly Point[], to: readonly Point[], weights: readonly number[] = from.map(() => 1)): number[] | null => {
  if (from.length < 4) return null;
  const [tf, tt] = [normalising(from, weights), normalising(to, weights)];
  const normal = Array.from({ length: 8 }, () => new Array<number>(8).fill(0));
  const rhs = new Array<number>(8).fill(0);
  const accumulate = (row: number[], value: number, weight: number) => {
    for (let i = 0; i < 8; i++) {
      rhs[i] = rhs[i]! + weight * row[i]! * value;
      for (let j = 0; j < 8; j++) normal[i]![j] = normal[i]![j]! + weight * row[i]! * row[j]!;
    }
  };
  from.forEach((point, i) => {
    const [x, y] = applyHomography(tf, point);
    const [u, v] = applyHomography(tt, to[i]!);
    accumulate([x, y, 1, 0, 0, 0, -u * x, -u * y], u, weights[i]!);
    accumulate([0, 0, 0, x, y, 1, -v * x, -v * y], v, weights[i]!);
  });
  const h = solveLinear(normal, rhs);
  if (!h) return null;
  // Back from the normalised frames: T_to^-1 H T_from.
  const fitted = multiply(multiply(invertHomography(tt), [...h, 1]), tf);
  return fitted.every(Number.isFinite) ? fitted.map((v) => v / fitted[8]!) : null;
};

/** The affine map (as a homography) taking each `from` point to its `to` point in the weighted least-squares sense; needs three points not in a line. */
export const fitAffine = (from: readonly Point[], to: readonly Point[], weights: readonly number[] = from.map(() => 1)): number[] | null => {
  if (from.length < 3) return null;
  const normal = Array.from({ length: 3 }, () => new Array<number>(3).fill(0));
  const [rx, ry] = [new Array<number>(3).fill(0), new Array<number>(3).fill(0)];
  const [mx, my] = [from.reduce((s, [x]) => s + x, 0) / from.length, from.reduce((s, [, y]) => s + y, 0) / from.length];
  from.forEach(([x, y], i) => {
    const row = [x - mx, y - my, 1];
    const w = weights[i]!;
    for (let a = 0; a < 3; a++) {
      rx[a] = rx[a]! + w * row[a]! * to[i]![0];
      ry[a] = ry[a]! + w * row[a]! * to[i]![1];
      for (let b = 0; b < 3; b++) normal[a]![b] = normal[a]![b]! + w * row[a]! * row[b]!;
    }
  });
  const [px, py] = [solveLinear(normal, rx), solveLinear(normal, ry)];
  if (!px || !py) return null;
  // Back from the centred source: x' = p0 (x - mx) + p1 (y - my) + p2.
  return [px[0]!, px[1]!, px[2]! - px[0]! * mx - px[1]! * my, py[0]!, py[1]!, py[2]! - py[0]! * mx - py[1]! * my, 0, 0, 1];
};
