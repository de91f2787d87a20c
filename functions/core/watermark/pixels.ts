/**
 * How many pixels the watermark service will take on. An image's bytes say little about its
 * pixels (7000 x 7000 flat grey is a 156 KB PNG), so both limits count pixels, read from the header.
 */

/**
 * Images over this many pixels are refused before decoding: 4096 x 4096, which holds a 5K screenshot
 * (5120 x 2880) and a 12 MP photo. Decoded to RGBA that is 64 MB, which embed (which must mark every
 * pixel) holds a few times over within the function's memory.
 */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

/**
 * A trace reads at most this many pixels (a 1080p screen, read as it is). Larger images are
 * downscaled to it first: the detector searches scales down to 0.3 and sqrt(2,073,600 / MAX_IMAGE_PIXELS)
 * is 0.35, so a mark at native size in the largest image accepted still lies within its search.
 */
export const TRACE_PIXELS = 1920 * 1080;

/** The size a trace reads an image at: as it is within `budget`, else shrunk to fit it, aspect kept, at least 1 px a side. */
export const traceSize = (width: number, height: number, budget = TRACE_PIXELS): { width: number; height: number } => {
  if (width * height <= budget) return { width, height };
  const factor = Math.sqrt(budget / (width * height));
  const [w, h] = [Math.max(1, Math.floor(width * factor)), Math.max(1, Math.floor(height * factor))];
  // A side held at 1 px leaves the other the whole budget, no more.
  if (w === 1) return { width: 1, height: Math.min(h, budget) };
  if (h === 1) return { width: Math.min(w, budget), height: 1 };
  return { width: w, height: h };
};
