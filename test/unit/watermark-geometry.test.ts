import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { extractMark, overlayTile, type RgbaImage } from '#core/watermark/codec';
import { drawScreenPhotoParameters, screenPhoto } from '../support/screen-photo.ts';

const key = new Uint8Array(32).fill(5);
const payload = { memberSerial: 77, minute: 1_480_000, keyVersion: 1 };

/** A screen with text-like bars (light on dark with `dark`), under the overlay tile composited as a client does (alpha over). */
const overlaidScreen = (width: number, height: number, dark = false): RgbaImage => {
  const tile = overlayTile(key, payload);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const text = y % 40 > 28 && y % 40 < 36 && (x * 7 + Math.floor(y / 40) * 13) % 90 < 60;
      const background = text !== dark ? 40 : 245;
      const t = 4 * ((y % 256) * 256 + (x % 256));
      const alpha = tile.data[t + 3]! / 255;
      const value = Math.round(background * (1 - alpha) + tile.data[t]! * alpha);
      data.set([value, value, value, 255], 4 * (y * width + x));
    }
  }
  return { width, height, data };
};

/** `image` turned by `degrees` about its centre, bilinear, grey outside. */
const rotated = (image: RgbaImage, degrees: number): RgbaImage => {
  const [c, s] = [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];
  const [cx, cy] = [image.width / 2, image.height / 2];
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const u = c * (x - cx) + s * (y - cy) + cx;
      const v = -s * (x - cx) + c * (y - cy) + cy;
      const [fx, fy] = [Math.floor(u), Math.floor(v)];
      let value = 128;
      if (fx >= 0 && fy >= 0 && fx + 1 < image.width && fy + 1 < image.height) {
        const at = (px: number, py: number) => image.data[4 * (py * image.width + px)]!;
        const [rx, ry] = [u - fx, v - fy];
        value = (1 - ry) * ((1 - rx) * at(fx, fy) + rx * at(fx + 1, fy)) + ry * ((1 - rx) * at(fx, fy + 1) + rx * at(fx + 1, fy + 1));
      }
      data.set([value, value, value, 255], 4 * (y * image.width + x));
    }
  }
  return { width: image.width, height: image.height, data };
};

describe('geometry the scale search cannot fit', () => {
  it('reads an overlaid screen turned by 1.5 degrees through the turned scales of the centre scan and local registration', () => {
    const screen = overlaidScreen(1024, 768);
    expect(extractMark(rotated(screen, 1.5), key)?.payload).toEqual(payload);
  });

  it('reads a phone photo of the overlaid dark screen tilted 8 degrees both ways (perspective, moire, blur, noise, camera JPEG 85)', async () => {
    const screen = overlaidScreen(1280, 800, true);
    const photo = screenPhoto(screen, { yawDegrees: 8, pitchDegrees: -8, rollDegrees: 1, focal: 1, border: 0.05, gridDepth: 0.3, blurSigma: 0.8, brightness: 1.05, gamma: 0.9, noiseSigma: 2, jpegQuality: 85, photoWidth: 1700 }, 11);
    const jpeg = await sharp(Buffer.from(photo.data), { raw: { width: photo.width, height: photo.height, channels: 4 } }).jpeg({ quality: 85 }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const read = extractMark({ width: jpeg.info.width, height: jpeg.info.height, data: new Uint8Array(jpeg.data) }, key);
    expect(read?.payload).toEqual(payload);
  });
});

describe('screen-photo simulator', () => {
  it('draws the same photo from the same seed, and another from another', () => {
    const screen = overlaidScreen(320, 200);
    const parameters = { ...drawScreenPhotoParameters(3), photoWidth: 400 };
    const first = screenPhoto(screen, parameters, 3);
    expect(screenPhoto(screen, parameters, 3).data).toEqual(first.data);
    expect(screenPhoto(screen, { ...drawScreenPhotoParameters(4), photoWidth: 400 }, 4).data).not.toEqual(first.data);
    expect(first.width).toBe(400);
    expect(first.height).toBe(250);
  });
});
