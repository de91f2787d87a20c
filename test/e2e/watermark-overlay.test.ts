import sharp from 'sharp';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharpImages } from '#adapters/images/sharp-images';
import { extractMark, overlayTile } from '#core/watermark/codec';
import { MAX_IMAGE_PIXELS, TRACE_PIXELS } from '#core/watermark/pixels';
import { overlayPage } from '../support/overlay-pages.ts';

/*
 * The overlay path at a phone's display scale: Chromium draws the 256 px tile at 512 device px over a
 * zh-CN page in the dark theme; the screenshot, saved as JPEG 75 and read as the trace use case reads
 * it, names the member.
 */
const CHROMIUM = process.env.STEWARD_CHROMIUM ?? '/usr/bin/chromium';
const key = new Uint8Array(32).fill(7);
const payload = { memberSerial: 321, minute: 1_500_000, keyVersion: 2 };

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
});
afterAll(async () => {
  await browser?.close();
});

describe('overlay screenshot at device scale factor 2', () => {
  it('traces to the member whose tile was composited', async () => {
    const tile = overlayTile(key, payload);
    const tilePng = await sharp(Buffer.from(tile.data), { raw: { width: tile.width, height: tile.height, channels: 4 } }).png().toBuffer();
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.setContent(overlayPage('members', 'dark', tilePng), { waitUntil: 'load' });
    const screenshot = await page.screenshot({ type: 'png' });
    await context.close();
    const jpeg = await sharp(screenshot).jpeg({ quality: 75 }).toBuffer();
    const decoded = await sharpImages.decode(new Uint8Array(jpeg), { maxPixels: MAX_IMAGE_PIXELS, fitPixels: TRACE_PIXELS });
    if (!decoded || 'oversized' in decoded) throw new Error('the screenshot did not decode');
    expect(decoded.image.width).toBe(780);
    expect(extractMark(decoded.image, key, { keyVersion: 2, maxSerial: 400, maxMinute: 1_600_000 })?.payload).toEqual(payload);
  });
});
