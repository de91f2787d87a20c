import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { sharpImages } from '#adapters/images/sharp-images';
import { extractMark, overlayTile, type RgbaImage } from '#core/watermark/codec';
import { MAX_IMAGE_PIXELS, TRACE_PIXELS } from '#core/watermark/pixels';
import { minuteOf, type MarkBounds, type MarkPayload } from '#core/watermark/payload';
import { overlayPage, type OverlayPageKind, type Theme } from '../test/support/overlay-pages.ts';
import { drawScreenPhotoParameters, screenPhoto, type ScreenPhotoParameters } from '../test/support/screen-photo.ts';
import { recordSection } from './results.ts';

/**
 * `npm run bench:watermark -- --scales`: the overlay path at display scales. Real UI pages (zh-CN,
 * light and dark) with the overlay tile as a CSS background layer, screenshotted in headless Chromium
 * at device scale factors 1, 1.25, 1.5, 2 and 3 (a desktop viewport; a phone's at 2 and 3), saved as
 * JPEG 75 and traced as the trace use case reads them (sharp adapter, downscaled to the trace's pixel
 * budget). Then photos of those screenshots through the simulated camera chain of
 * test/support/screen-photo.ts. The screenshots are kept in .steward-local/watermark-scales/.
 * Writes section `watermarkScales` of bench/results.json (about 20 minutes here).
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

const rate = (selected: { recovered: boolean }[]) => +(selected.filter((r) => r.recovered).length / Math.max(1, selected.length)).toFixed(3);
const groups = VIEWPORTS.flatMap((v) => v.scales.flatMap((scale) => THEMES.map((theme) => ({ device: v.device, scale, theme }))));
const screenshots = {
  count: rows.length,
  recovery: rate(rows),
  wrongMembers: rows.filter((r) => r.wrong).length,
  byScale: groups.map((g) => {
    const of = rows.filter((r) => r.device === g.device && r.scale === g.scale && r.theme === g.theme);
    return { ...g, recovery: rate(of), maxTraceMs: Math.max(...of.map((r) => r.traceMs)) };
  }),
  notRecovered: rows.filter((r) => !r.recovered).map((r) => r.name),
};
console.log(JSON.stringify(screenshots, null, 2));

/**
 * Screen photos of the same screenshots (test/support/screen-photo.ts): every screenshot once under
 * parameters drawn from its own seed over the whole range, then a few screenshots under one parameter
 * at a time, the rest held at a mild baseline, to show what each costs.
 */
const toRgba = async (bytes: Uint8Array): Promise<RgbaImage> => {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
};
type PhotoRow = { name: string; family: string; recovered: boolean; wrong: boolean; traceMs: number; parameters: ScreenPhotoParameters };
const photoRows: PhotoRow[] = [];
const photograph = async (shot: Screenshot, family: string, parameters: ScreenPhotoParameters, seed: number) => {
  const photo = screenPhoto(await toRgba(shot.png), parameters, seed);
  const jpeg = await sharp(Buffer.from(photo.data), { raw: { width: photo.width, height: photo.height, channels: 4 } }).jpeg({ quality: parameters.jpegQuality }).toBuffer();
  const { found, ms } = await traceBytes(new Uint8Array(jpeg));
  const row = { name: shot.name, family, recovered: samePayload(found, shot.payload), wrong: found !== null && !samePayload(found, shot.payload), traceMs: Math.round(ms), parameters };
  console.log(JSON.stringify({ ...row, parameters: undefined }));
  photoRows.push(row);
};
for (const [i, shot] of shots.entries()) await photograph(shot, 'drawn', drawScreenPhotoParameters(i + 1), i + 1);
const BASELINE: ScreenPhotoParameters = { yawDegrees: 0, pitchDegrees: 0, rollDegrees: 0, focal: 1.1, border: 0.05, gridDepth: 0.25, blurSigma: 0.5, brightness: 1, gamma: 1, noiseSigma: 2, jpegQuality: 85, photoWidth: 2000 };
const SWEEPS: { family: string; change: Partial<ScreenPhotoParameters> }[] = [
  { family: 'baseline', change: {} },
  { family: 'tilt 3 degrees both axes', change: { yawDegrees: 3, pitchDegrees: -3 } },
  { family: 'tilt 6 degrees both axes', change: { yawDegrees: -6, pitchDegrees: 6 } },
  { family: 'tilt 10 degrees both axes', change: { yawDegrees: 10, pitchDegrees: 10 } },
  { family: 'roll 1 degree', change: { rollDegrees: 1 } },
  { family: 'blur 1.5 px', change: { blurSigma: 1.5 } },
  { family: 'moire depth 0.4', change: { gridDepth: 0.4 } },
  { family: 'gamma 0.8, brightness 0.85', change: { gamma: 0.8, brightness: 0.85 } },
  { family: 'noise 4 levels', change: { noiseSigma: 4 } },
  { family: 'JPEG 75', change: { jpegQuality: 75 } },
];
const sweepShots = shots.filter((s) => s.page === 'members' && ['desktop-1', 'desktop-2', 'phone-3'].includes(`${s.device}-${s.scale}`));
for (const { family, change } of SWEEPS) for (const [i, shot] of sweepShots.entries()) await photograph(shot, family, { ...BASELINE, ...change }, 1000 + i);

const drawn = photoRows.filter((r) => r.family === 'drawn');
const tiltOf = (r: PhotoRow) => Math.max(Math.abs(r.parameters.yawDegrees), Math.abs(r.parameters.pitchDegrees));
const photos = {
  count: photoRows.length,
  wrongMembers: photoRows.filter((r) => r.wrong).length,
  drawn: {
    recovery: rate(drawn),
    byTilt: [[0, 3], [3, 6], [6, 10]].map(([low, high]) => ({ tiltDegrees: `${low}-${high}`, photos: drawn.filter((r) => tiltOf(r) >= low! && tiltOf(r) < high!).length, recovery: rate(drawn.filter((r) => tiltOf(r) >= low! && tiltOf(r) < high!)) })),
    byBlur: [[0, 0.75], [0.75, 1.5]].map(([low, high]) => ({ blurSigma: `${low}-${high}`, recovery: rate(drawn.filter((r) => r.parameters.blurSigma >= low! && r.parameters.blurSigma < high!)) })),
    maxTraceMs: Math.max(...drawn.map((r) => r.traceMs)),
    notRecovered: drawn.filter((r) => !r.recovered).map((r) => `${r.name} (tilt ${tiltOf(r).toFixed(1)}, roll ${r.parameters.rollDegrees.toFixed(1)}, blur ${r.parameters.blurSigma.toFixed(2)})`),
  },
  sweeps: SWEEPS.map(({ family }) => {
    const of = photoRows.filter((r) => r.family === family);
    return { family, photos: of.length, recovery: rate(of), maxTraceMs: Math.max(...of.map((r) => r.traceMs)) };
  }),
};
console.log(JSON.stringify(photos, null, 2));
recordSection('watermarkScales', { screenshots, photos });
