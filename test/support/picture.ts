import sharp from 'sharp';

/** A smooth, lightly textured PNG, as photos and screenshots are: what the watermark suites mark and trace. */
export const picture = async (width = 900, height = 640): Promise<Buffer> => {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = 70 + (110 * x) / width + 30 * Math.sin(y / 40) + 10 * Math.sin(x / 5) * Math.cos(y / 9);
      data.set([v + 25, v, v - 30], 3 * (y * width + x));
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
};
