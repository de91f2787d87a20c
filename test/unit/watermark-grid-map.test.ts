import { describe, expect, it } from 'vitest';
import { applyHomography, fitAffine, fitHomography, gridMapOf, gridPointOf, imagePointOf, invertHomography, solveLinear, type Point } from '#core/watermark/grid-map';

/** A screen tilted away at the top and turned a little: grid px to image px. */
const tilted = [1.2, 0.05, 900, -0.03, 1.1, 540, 0.00002, 0.0001, 1];
const gridPoints: Point[] = [-600, -200, 0, 250, 700].flatMap((x) => [-400, -50, 300].map((y): Point => [x, y]));

describe('grid maps', () => {
  it('fits the homography back from the points it maps, and its inverse undoes it', () => {
    const fitted = fitHomography(gridPoints, gridPoints.map((p) => applyHomography(tilted, p)))!;
    fitted.forEach((value, i) => expect(value).toBeCloseTo(tilted[i]!, 6));
    const [x, y] = applyHomography(invertHomography(tilted), applyHomography(tilted, [123, -45]));
    expect(x).toBeCloseTo(123, 6);
    expect(y).toBeCloseTo(-45, 6);
  });

  it('weights points: a point given no weight does not pull the fit', () => {
    const to = gridPoints.map((p) => applyHomography(tilted, p));
    to[0] = [to[0]![0] + 80, to[0]![1] - 60];
    const fitted = fitHomography(gridPoints, to, gridPoints.map((_, i) => (i === 0 ? 0 : 1)))!;
    const [x, y] = applyHomography(fitted, [100, 100]);
    const [tx, ty] = applyHomography(tilted, [100, 100]);
    expect(Math.hypot(x - tx, y - ty)).toBeLessThan(1e-6);
  });

  it('fits an affine map from three points, and refuses points in a line', () => {
    const affine = [0.9, -0.1, 20, 0.12, 1.05, -7, 0, 0, 1];
    const from: Point[] = [[0, 0], [300, 10], [40, 280]];
    const fitted = fitAffine(from, from.map((p) => applyHomography(affine, p)))!;
    fitted.forEach((value, i) => expect(value).toBeCloseTo(affine[i]!, 9));
    expect(fitAffine([[0, 0], [1, 1], [2, 2]], [[0, 0], [1, 1], [2, 2]])).toBeNull();
    expect(fitHomography([[0, 0], [1, 0]], [[0, 0], [1, 0]])).toBeNull();
  });

  it('writes a homography about the image centre: the grid point at the centre is its origin, and image and grid points map both ways', () => {
    const map = gridMapOf(tilted, 960, 540);
    expect(imagePointOf(map, [0, 0])).toEqual([960, 540]);
    for (const p of gridPoints) {
      const image = applyHomography(tilted, p);
      const [ux, uy] = gridPointOf(map, image);
      const [x, y] = imagePointOf(map, [ux, uy]);
      expect(x).toBeCloseTo(image[0], 6);
      expect(y).toBeCloseTo(image[1], 6);
      // Grid positions differ from the homography's by one shift, the same everywhere.
      const [sx, sy] = [ux - p[0], uy - p[1]];
      const [fx, fy] = gridPointOf(map, applyHomography(tilted, gridPoints[0]!)).map((v, i) => v - gridPoints[0]![i]!) as [number, number];
      expect(sx).toBeCloseTo(fx, 6);
      expect(sy).toBeCloseTo(fy, 6);
    }
  });

  it('solves a linear system, and answers null for a singular one', () => {
    expect(solveLinear([[2, 1], [1, 3]], [3, 5])!.map((v) => +v.toFixed(9))).toEqual([0.8, 1.4]);
    expect(solveLinear([[1, 2], [2, 4]], [1, 2])).toBeNull();
  });
});
