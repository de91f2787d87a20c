import sharp from 'sharp';
import type { RgbaImage } from '#core/watermark/codec';
import type { ImageFormat, Images } from '#ports/watermarks';

const FORMATS: Record<string, ImageFormat> = { png: 'png', jpeg: 'jpeg', webp: 'webp' };

/** libvips through sharp: decodes PNG, JPEG and WebP to RGBA, encodes back in the same format. */
export const sharpImages: Images = {
  async decode(bytes) {
    try {
      const image = sharp(bytes, { limitInputPixels: 50_000_000 });
      const format = FORMATS[(await image.metadata()).format ?? ''];
      if (!format) return null;
      const { data, info } = await image.rotate().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      return { format, image: { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) } };
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
