import type { RgbaImage } from '#core/watermark/codec';
import { applyHomography, invertHomography, type Homography } from '#core/watermark/grid-map';

/**
 * A phone photographing a screen, simulated deterministically from a seed: the bench's stand-in for
 * the camera capture of a monitor (Fang et al., IEEE TIFS 2019). Pure: the camera's JPEG is applied
 * by the caller (quality in `ScreenPhotoParameters`). The chain, in order:
 *
 * 1. The screen: the screenshot shown pixel for pixel, each pixel lit through a grid (dark gaps
 *    between pixels, `gridDepth`), so sampling it at another pitch draws moire.
 * 2. The camera's view: the screen plane turned `yawDegrees` about its vertical axis and
 *    `pitchDegrees` about its horizontal one, `rollDegrees` in plane, seen through a pinhole whose
 *    focal length is `focal` times the photo's width (about a phone's main camera), framed so the
 *    screen fills the photo but for `border` of it on each side (a dark bezel and desk beyond).
 * 3. Each photo pixel averages 2 x 2 samples of the lit screen: the lens and sensor's footprint,
 *    which aliases the pixel grid into moire.
 * 4. Gaussian blur of `blurSigma` px (focus, hand shake).
 * 5. Exposure: gain `brightness`, then gamma `gamma`.
 * 6. Sensor noise: Gaussian, `noiseSigma` grey levels, independent per channel.
 */
export type ScreenPhotoParameters = {
  yawDegrees: number;
  pitchDegrees: number;
  rollDegrees: number;
  focal: number;
  border: number;
  gridDepth: number;
  blurSigma: number;
  brightness: number;
  gamma: number;
  noiseSigma: number;
  jpegQuality: number;
  /** The photo's width in px (its height follows the screen's aspect). */
  photoWidth: number;
};

/** A seeded generator (mulberry32): the same seed draws the same photo. */
export const seededRandom = (seed: number) => {
  let state = seed >>> 0;
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Parameters drawn from the ranges: tilt up to 10 degrees either way on both axes, blur up to 1.5 px, JPEG 75 to 90, border up to 10%. */
export const drawScreenPhotoParameters = (seed: number): ScreenPhotoParameters => {
  const random = seededRandom(seed);
  const between = (low: number, high: number) => low + (high - low) * random();
  return {
    yawDegrees: between(-10, 10),
    pitchDegrees: between(-10, 10),
    rollDegrees: between(-2, 2),
    focal: between(0.9, 1.3),
    border: between(0, 0.1),
    gridDepth: between(0.15, 0.4),
    blurSigma: between(0, 1.5),
    brightness: between(0.85, 1.15),
    gamma: between(0.8, 1.25),
    noiseSigma: between(1, 4),
    jpegQuality: Math.round(between(75, 90)),
    photoWidth: Math.round(between(1600, 2400)),
  };
};

/** Screen px to photo px: the turned screen through the pinhole, framed with the border. */
const screenToPhoto = (screen: { width: number; height: number }, p: ScreenPhotoParameters, photo: { width: number; height: number }): Homography => {
  const rad = Math.PI / 180;
  const [cy, sy] = [Math.cos(p.yawDegrees * rad), Math.sin(p.yawDegrees * rad)];
  const [cp, sp] = [Math.cos(p.pitchDegrees * rad), Math.sin(p.pitchDegrees * rad)];
  const [cr, sr] = [Math.cos(p.rollDegrees * rad), Math.sin(p.rollDegrees * rad)];
  // Screen centred at the origin, unit = its width; rotation R = yaw * pitch * roll; the camera sits at distance 1.
  const f = p.focal;
  const rotate = (x: number, y: number): [number, number, number] => {
    const [x1, y1] = [cr * x - sr * y, sr * x + cr * y];
    const [y2, z2] = [cp * y1, sp * y1];
    return [cy * x1 + sy * z2, y2, -sy * x1 + cy * z2 + 1];
  };
  const view = (u: number, v: number): [number, number] => {
    const [x, y, z] = rotate((u - screen.width / 2) / screen.width, (v - screen.height / 2) / screen.width);
    return [(f * x) / z, (f * y) / z];
  };
  // The homography through four corners, then scaled and centred so the screen's bounding box fills the photo less the border.
  const corners = [[0, 0], [screen.width, 0], [screen.width, screen.height], [0, screen.height]] as const;
  const seen = corners.map(([u, v]) => view(u, v));
  const [minX, maxX] = [Math.min(...seen.map((s) => s[0])), Math.max(...seen.map((s) => s[0]))];
  const [minY, maxY] = [Math.min(...seen.map((s) => s[1])), Math.max(...seen.map((s) => s[1]))];
  const fit = Math.min((photo.width * (1 - 2 * p.border)) / (maxX - minX), (photo.height * (1 - 2 * p.border)) / (maxY - minY));
  const target = seen.map(([x, y]) => [photo.width / 2 + (x - (minX + maxX) / 2) * fit, photo.height / 2 + (y - (minY + maxY) / 2) * fit] as const);
  return homographyFrom(corners, target);
};

/** The homography taking four points to four others (direct linear transform, h33 = 1). */
const homographyFrom = (from: readonly (readonly [number, number])[], to: readonly (readonly [number, number])[]): Homography => {
  const rows: number[][] = [];
  from.forEach(([x, y], k) => {
    const [u, v] = to[k]!;
    rows.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    rows.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  });
  // Gauss-Jordan on the 8 x 9 system.
  for (let c = 0; c < 8; c++) {
    const pivot = rows.slice(c).reduce((best, row, k) => (Math.abs(row[c]!) > Math.abs(rows[best]![c]!) ? c + k : best), c);
    [rows[c], rows[pivot]] = [rows[pivot]!, rows[c]!];
    const lead = rows[c]![c]!;
    rows[c] = rows[c]!.map((value) => value / lead);
    for (let r = 0; r < 8; r++) if (r !== c) rows[r] = rows[r]!.map((value, k) => value - rows[r]![c]! * rows[c]![k]!);
  }
  return [...rows.map((row) => row[8]!), 1];
};

const gaussianBlur = (plane: Float64Array, width: number, height: number, sigma: number): Float64Array => {
  if (sigma < 0.3) return plane;
  const radius = Math.ceil(3 * sigma);
  const kernel = Float64Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  kernel.forEach((k, i) => (kernel[i] = k / total));
  const pass = (input: Float64Array, along: 'x' | 'y'): Float64Array => {
    const out = new Float64Array(input.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          const [sx, sy] = along === 'x' ? [Math.min(width - 1, Math.max(0, x + k)), y] : [x, Math.min(height - 1, Math.max(0, y + k))];
          sum += kernel[k + radius]! * input[sy * width + sx]!;
        }
        out[y * width + x] = sum;
      }
    }
    return out;
  };
  return pass(pass(plane, 'x'), 'y');
};

/** The photo of `screen` under `p`, before the camera's JPEG; `seed` draws the sensor noise. */
export const screenPhoto = (screen: RgbaImage, p: ScreenPhotoParameters, seed: number): RgbaImage => {
  const width = p.photoWidth;
  const height = Math.round((width * screen.height) / screen.width);
  const toScreen = invertHomography(screenToPhoto(screen, p, { width, height }));
  const bezel = 18;
  const planes = [0, 1, 2].map(() => new Float64Array(width * height));
  const SUB = 2;
  const grid = (t: number) => 1 - p.gridDepth * (0.5 - 0.5 * Math.cos(2 * Math.PI * t));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sums = [0, 0, 0];
      for (let sy = 0; sy < SUB; sy++) {
        for (let sx = 0; sx < SUB; sx++) {
          const [u, v] = applyHomography(toScreen, [x + (sx + 0.5) / SUB, y + (sy + 0.5) / SUB]);
          if (u < 0 || v < 0 || u >= screen.width || v >= screen.height) {
            for (let c = 0; c < 3; c++) sums[c] = sums[c]! + bezel;
            continue;
          }
          // Each screen pixel is lit brightest at its centre, darker towards the gaps.
          const lit = grid(u) * grid(v);
          const i = 4 * (Math.floor(v) * screen.width + Math.floor(u));
          for (let c = 0; c < 3; c++) sums[c] = sums[c]! + screen.data[i + c]! * lit;
        }
      }
      for (let c = 0; c < 3; c++) planes[c]![y * width + x] = sums[c]! / (SUB * SUB);
    }
  }
  const random = seededRandom(seed ^ 0x5eed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  // The grid darkens the screen on average; the camera's auto exposure brings it back.
  const exposure = p.brightness / (1 - p.gridDepth / 2) ** 2;
  const data = new Uint8Array(width * height * 4);
  planes.forEach((plane, c) => {
    const blurred = gaussianBlur(plane, width, height, p.blurSigma);
    for (let i = 0; i < blurred.length; i++) {
      const exposed = 255 * Math.min(1, (exposure * blurred[i]!) / 255) ** p.gamma;
      data[4 * i + c] = Math.max(0, Math.min(255, Math.round(exposed + p.noiseSigma * gaussian())));
    }
  });
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width, height, data };
};
