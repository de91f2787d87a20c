import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { sharpImages } from '#adapters/images/sharp-images';
import { extractMark, overlayTile } from '#core/watermark/codec';
import { MAX_IMAGE_PIXELS, TRACE_PIXELS } from '#core/watermark/pixels';
import { minuteOf, type MarkBounds, type MarkPayload } from '#core/watermark/payload';
import { overlayPage, type OverlayPageKind, type Theme } from '../test/support/overlay-pages.ts';
import { recordSection } from './results.ts';

/**
 * `npm run bench:watermark -- --scales`: the overlay path at display scales. Real UI pages (zh-CN,
 * light and dark) with the overlay tile as a CSS background layer, screenshotted in headless Chromium
 * at device scale factors 1, 1.25, 1.5, 2 and 3 (a desktop viewport; a phone's at 2 and 3), saved as
 * JPEG 75 and traced as the trace use case reads them (sharp adapter, downscaled to the trace's pixel
 * budget). The screenshots are kept in .steward-local/watermark-scales/ for the screen-photo part.
 * Writes section `watermarkScales` of bench/results.json.
 */
const CHROMIUM = process.env.STEWARD_CHROMIUM ?? '/usr/bin/chromium';
const OUT = resolve('.steward-local/watermark-scales');
const KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
const BOUNDS: MarkBounds = { keyVersion: 1, maxSerial: 5000, maxMinute: minuteOf(new Date()) };
const payloadFor = (i: number): MarkPayload => ({ memberSerial: 1 + ((i * 4243) % 5000), minute: 1_450_000 + i * 97, keyVersion: 1 });

const VIEWPORTS = [
  { device: 'desktop', width: 1280, height: 800, scales: [1, 1.25, 1.5, 2, 3] },
  { device: 'phone', width: 390, height: 844, scales: [2, 3] },
] as const;
const PAGES: OverlayPageKind[] = ['members', 'document', 'chat'];
const THEMES: Theme[] = ['light', 'dark'];

export type Screenshot = { name: string; device: string; scale: number; theme: Theme; page: OverlayPageKind; payload: MarkPayload; png: Uint8Array };

/** Every page, theme and scale, each under its own member's overlay, as PNG screenshots. */
export const overlayScreenshots = async (): Promise<Screenshot[]> => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  const shots: Screenshot[] = [];
  try {
    for (const viewport of VIEWPORTS) {
      for (const scale of viewport.scales) {
        const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height }, deviceScaleFactor: scale, locale: 'zh-CN' });
        const page = await context.newPage();
        for (const kind of PAGES) {
          for (const theme of THEMES) {
            const payload = payloadFor(shots.length);
            const tile = overlayTile(KEY, payload);
            const tilePng = await sharp(Buffer.from(tile.data), { raw: { width: tile.width, height: tile.height, channels: 4 } }).png().toBuffer();
            await page.setContent(overlayPage(kind, theme, tilePng), { waitUntil: 'load' });
            const png = new Uint8Array(await page.screenshot({ type: 'png' }));
            const name = `${viewport.device}-${scale}x-${kind}-${theme}`;
            shots.push({ name, device: viewport.device, scale, theme, page: kind, payload, png });
          }
        }
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  return shots;
};

/** Traces `bytes` as the trace use case reads them: who it names, and how long the codec took. */
export const traceBytes = async (bytes: Uint8Array) => {
  const decoded = await sharpImages.decode(bytes, { maxPixels: MAX_IMAGE_PIXELS, fitPixels: TRACE_PIXELS });
  if (!decoded || 'oversized' in decoded) throw new Error('the bench image did not decode');
  const start = performance.now();
  const found = extractMark(decoded.image, KEY, BOUNDS);
  return { found: found?.payload ?? null, ms: performance.now() - start };
};

export const samePayload = (a: MarkPayload | null, b: MarkPayload) => a !== null && JSON.stringify(a) === JSON.stringify(b);

const shots = await overlayScreenshots();
mkdirSync(OUT, { recursive: true });
type Row = { name: string; device: string; scale: number; theme: Theme; recovered: boolean; wrong: boolean; traceMs: number };
const rows: Row[] = [];
for (const shot of shots) {
  writeFileSync(join(OUT, `${shot.name}.png`), shot.png);
  const jpeg = new Uint8Array(await sharp(shot.png).jpeg({ quality: 75 }).toBuffer());
  const { found, ms } = await traceBytes(jpeg);
  const row: Row = { name: shot.name, device: shot.device, scale: shot.scale, theme: shot.theme, recovered: samePayload(found, shot.payload), wrong: found !== null && !samePayload(found, shot.payload), traceMs: Math.round(ms) };
  console.log(JSON.stringify(row));
  rows.push(row);
}
writeFileSync(join(OUT, 'manifest.json'), JSON.stringify(shots.map(({ png: _, ...shot }) => shot)));

const rate = (selected: Row[]) => +(selected.filter((r) => r.recovered).length / Math.max(1, selected.length)).toFixed(3);
const groups = VIEWPORTS.flatMap((v) => v.scales.flatMap((scale) => THEMES.map((theme) => ({ device: v.device, scale, theme }))));
const figures = {
  screenshots: rows.length,
  recovery: rate(rows),
  wrongMembers: rows.filter((r) => r.wrong).length,
  byScale: groups.map((g) => {
    const of = rows.filter((r) => r.device === g.device && r.scale === g.scale && r.theme === g.theme);
    return { ...g, recovery: rate(of), maxTraceMs: Math.max(...of.map((r) => r.traceMs)) };
  }),
  notRecovered: rows.filter((r) => !r.recovered).map((r) => r.name),
};
console.log(JSON.stringify(figures, null, 2));
recordSection('watermarkScales', figures);
