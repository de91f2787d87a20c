import sharp from 'sharp';
import type { RgbaImage } from '#core/watermark/codec';
import { traceSize } from '#core/watermark/pixels';
import type { ImageFormat, Images } from '#ports/watermarks';

const FORMATS: Record<string, ImageFormat> = { png: 'png', jpeg: 'jpeg', webp: 'webp' };

/**
 * libvips through sharp: decodes PNG, JPEG and WebP to RGBA, encodes back in the same format.
 * The pixel count is read from the header before anything is decoded; an image read smaller is
 * downscaled by libvips as it decodes (JPEG and WebP shrink on load, rows are read in sequence), so
 * the full raster is never held.
 */
export const sharpImages: Images = {
  async decode(bytes, { maxPixels, fitPixels }) {
    try {
      const header = await sharp(bytes).metadata();
      const format = FORMATS[header.format ?? ''];
      if (!format) return null;
      const { width, height } = header.autoOrient;
      if (width * height > maxPixels) return { oversized: { width, height } };
      let image = sharp(bytes, { limitInputPixels: maxPixels, sequentialRead: true }).rotate();
      const read = traceSize(width, height, fitPixels ?? Infinity);
      // Lanczos 3, sharp's default kernel, is what the bench's downscale attacks use and the detector reads through.
      if (read.width !== width || read.height !== height) image = image.resize(read.width, read.height, { fit: 'fill', kernel: 'lanczos3' });
      const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      return {
        format,
        image: { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) },
      };
    } catch {
      return null;
    }
  },

  async encode(image: RgbaImage, format: ImageFormat) {
    const raw = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
      raw: { width: image.width, height: image.height, channels: 4 },
    });
    const encoded = format === 'jpeg' ? raw.jpeg({ quality: 92 }) : format === 'webp' ? raw.webp({ quality: 92 }) : raw.png();
    return new Uint8Array(await encoded.toBuffer());
  },
};
