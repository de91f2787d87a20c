import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_PIXELS, TRACE_PIXELS, traceSize } from '#core/watermark/pixels';

describe('how many pixels the watermark service takes on', () => {
  it('takes up to 4096 x 4096 pixels (a 5K screenshot), not 7000 x 7000', () => {
    expect(MAX_IMAGE_PIXELS).toBe(16_777_216);
    expect(5120 * 2880).toBeLessThanOrEqual(MAX_IMAGE_PIXELS);
    expect(7000 * 7000).toBeGreaterThan(MAX_IMAGE_PIXELS);
  });

  it('reads an image within the trace budget as it is', () => {
    expect(traceSize(1920, 1080)).toEqual({ width: 1920, height: 1080 });
    expect(traceSize(1, 1)).toEqual({ width: 1, height: 1 });
  });

  it('downscales a larger image to the budget, aspect kept', () => {
    expect(traceSize(3840, 2160)).toEqual({ width: 1920, height: 1080 });
    expect(traceSize(4096, 4096)).toEqual({ width: 1440, height: 1440 });
    for (const [width, height] of [[4096, 4096], [16_383, 1024], [1024, 16_383], [3000, 2001]]) {
      const read = traceSize(width!, height!);
      expect(read.width * read.height).toBeLessThanOrEqual(TRACE_PIXELS);
      expect(read.width / read.height).toBeCloseTo(width! / height!, 1);
    }
  });

  it('keeps at least one pixel a side, however thin the image, and the budget all the same', () => {
    expect(traceSize(16_000_000, 1)).toEqual({ width: 2_073_600, height: 1 });
    expect(traceSize(1, 16_000_000)).toEqual({ width: 1, height: 2_073_600 });
  });

  it('reads at no smaller a scale than the detector searches (0.3) for the largest image accepted', () => {
    expect(traceSize(4096, 4096).width / 4096).toBeGreaterThan(0.3);
  });
});
