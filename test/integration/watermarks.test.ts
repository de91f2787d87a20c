import { picture } from '../support/picture.ts';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken } from '../../scripts/token.ts';
import { client } from './client.ts';
import { BINARY_BODY_LIMIT } from '#commons/http';
import { orderPaidEvent } from '../fixtures.ts';
import { testAssembly } from '../support/assembly.ts';

/* The dark watermark over HTTP on the local stack: embed or overlay for a seat holder, then trace. */
let stack: LocalStack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  // On the synthesised bundles, with Lambda's payload limits and the Watermarks role in force.
  stack = await startLocalStack({ from: (await testAssembly()).dir, logs: 'file' });
  api = client(stack.url);
  await api.local('POST', '/local/clock', { now: '2026-06-01T08:30:45Z' });
  for (const corp of ['wm-a', 'wm-b']) {
    await api.webhook('billing', orderPaidEvent(corp, `o-${corp}`, 5));
    for (const member of ['leaker', 'seatless']) {
      await api.webhook('hr', { type: 'employee.upserted', data: { corpId: corp, memberId: member, name: `Name of ${member}`, managerId: null } });
    }
    await api.admin(corp, 'POST', `/corps/${corp}/seats/allocations`, { memberIds: ['leaker'] });
  }
});
afterAll(() => stack?.stop());

/** A photo-like picture: gradients and soft shapes with a little texture. */

const send = async (corpId: string, method: string, path: string, body?: Buffer, type = 'image/png', tokenCorp = corpId) => {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await adminToken(tokenCorp)}`, ...(body && { 'content-type': type }) },
    body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const contentType = response.headers.get('content-type') ?? '';
  return { status: response.status, contentType, bytes, json: contentType.includes('json') ? JSON.parse(bytes.toString('utf8')) : null };
};

describe('dark watermark API', () => {
  // The stack's clock runs on in real time: each test starts early in the minute its marks are expected in,
  // so a slow embed on a loaded machine still falls in it.
  beforeEach(async () => {
    await api.local('POST', '/local/clock', { now: '2026-06-01T08:30:02Z' });
  });

  it('traces an embedded image, even re-saved as JPEG, to the member and minute', async () => {
    const marked = await send('wm-a', 'POST', '/corps/wm-a/watermarks/embed?memberId=leaker', await picture());
    expect(marked.status).toBe(200);
    expect(marked.contentType).toBe('image/png');
    const leaked = await sharp(marked.bytes).jpeg({ quality: 70 }).toBuffer();
    const trace = await send('wm-a', 'POST', '/corps/wm-a/watermarks/trace', leaked, 'image/jpeg');
    expect(trace.status).toBe(200);
    expect(trace.json).toMatchObject({ found: true, memberId: 'leaker', memberName: 'Name of leaker', markedAt: '2026-06-01T08:30:00Z' });
    expect(trace.json.confidence).toBeGreaterThan(0.8);

    // Another corp's admin learns nothing from it, even with keys of its own.
    await send('wm-b', 'POST', '/corps/wm-b/watermarks/embed?memberId=leaker', await picture(300, 300));
    const foreign = await send('wm-b', 'POST', '/corps/wm-b/watermarks/trace', leaked, 'image/jpeg');
    expect(foreign.json).toEqual({ found: false });
    const unmarked = await send('wm-a', 'POST', '/corps/wm-a/watermarks/trace', await picture());
    expect(unmarked.json).toEqual({ found: false });

    // Every trace is on the audit trail, newest first: who asked, when, and what it found.
    const audit = await api.admin('wm-a', 'GET', '/corps/wm-a/watermarks/traces');
    expect(audit.body.items.map((t: any) => [t.adminId, t.found, t.memberId])).toEqual([
      ['admin-1', false, null],
      ['admin-1', true, 'leaker'],
    ]);
    expect(audit.body.items.every((t: any) => t.at.startsWith('2026-06-01T08:3'))).toBe(true);
  });

  it('marks screenshots through the client overlay tile', async () => {
    const tile = await send('wm-a', 'GET', '/corps/wm-a/watermarks/overlay?memberId=leaker');
    expect([tile.status, tile.contentType]).toEqual([200, 'image/png']);
    expect(await sharp(tile.bytes).metadata()).toMatchObject({ width: 256, height: 256, channels: 4 });
    // The client tiles it over its window; the screenshot is what leaks.
    const screenshot = await sharp(await picture(1280, 800)).composite([{ input: tile.bytes, tile: true }]).png().toBuffer();
    const trace = await send('wm-a', 'POST', '/corps/wm-a/watermarks/trace', screenshot);
    expect(trace.json).toMatchObject({ found: true, memberId: 'leaker', markedAt: '2026-06-01T08:30:00Z' });
  });

  it('traces an image uploaded through a presigned link, for images over the body limit', async () => {
    const marked = await send('wm-a', 'POST', '/corps/wm-a/watermarks/embed?memberId=leaker', await picture(700, 500));
    const upload = await api.admin('wm-a', 'POST', '/corps/wm-a/watermarks/uploads', { contentType: 'image/png' });
    expect(upload).toMatchObject({ status: 201, body: { method: 'PUT', uploadId: expect.stringMatching(/^up_/) } });
    const put = await fetch(upload.body.uploadUrl, { method: 'PUT', headers: upload.body.headers, body: marked.bytes });
    expect(put.status).toBe(200);
    const trace = await send('wm-a', 'POST', `/corps/wm-a/watermarks/trace?uploadId=${upload.body.uploadId}`);
    expect(trace.json).toMatchObject({ found: true, memberId: 'leaker' });
    const missing = await send('wm-a', 'POST', '/corps/wm-a/watermarks/trace?uploadId=up_nothing');
    expect([missing.status, missing.json.code]).toEqual([404, 'UPLOAD_NOT_FOUND']);
  });

  it('marks and traces an 8 MB image through uploads, since a body that large cannot reach a Lambda', async () => {
    // Noise does not compress: an 8 MB PNG, too large for a Lambda payload once base64-encoded.
    const width = 1920;
    const height = 1620;
    const noise = Buffer.alloc(width * height * 3);
    for (let i = 0, seed = 12345; i < noise.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      noise[i] = 40 + ((seed >>> 16) % 176);
    }
    const image = await sharp(noise, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer();
    expect(image.length).toBeGreaterThan(8 * 1024 * 1024);
    expect(image.length).toBeLessThan(10 * 1024 * 1024);

    // API Gateway and Lambda refuse that body before the function runs; one byte over what a payload can
    // carry is refused by the function itself, naming the upload path; exactly that much still reaches it.
    const direct = await send('wm-a', 'POST', '/corps/wm-a/watermarks/embed?memberId=leaker', image);
    expect(direct.status).toBe(413);
    const over = await send('wm-a', 'POST', '/corps/wm-a/watermarks/embed?memberId=leaker', image.subarray(0, BINARY_BODY_LIMIT + 1));
    expect([over.status, over.json?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(over.json.detail).toContain('/watermarks/uploads');
    const fits = await send('wm-a', 'POST', '/corps/wm-a/watermarks/trace', Buffer.alloc(BINARY_BODY_LIMIT, 1));
    expect([fits.status, fits.json?.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);

    const upload = async (bytes: Buffer) => {
      const link = await api.admin('wm-a', 'POST', '/corps/wm-a/watermarks/uploads', { contentType: 'image/png' });
      expect(link.body.maxBytes).toBe(10 * 1024 * 1024);
      const put = await fetch(link.body.uploadUrl, { method: link.body.method, headers: link.body.headers, body: bytes });
      expect(put.status).toBe(200);
      return link.body.uploadId as string;
    };
    const embedded = await send('wm-a', 'POST', `/corps/wm-a/watermarks/embed?memberId=leaker&uploadId=${await upload(image)}`);
    expect([embedded.status, embedded.contentType]).toEqual([200, 'application/json']);
    expect(embedded.json).toEqual({ contentType: 'image/png', downloadUrl: expect.any(String), expiresAt: expect.stringMatching(/^2026-06-01T08:4\d:\d\dZ$/) });
    // 15 minutes on the stack's clock, which runs on from the time set above.
    const { now } = await api.local('GET', '/local/clock');
    expect(Date.parse(embedded.json.expiresAt) - Date.parse(now)).toBeGreaterThan(14 * 60_000);
    expect(Date.parse(embedded.json.expiresAt) - Date.parse(now)).toBeLessThanOrEqual(15 * 60_000);

    const download = await fetch(embedded.json.downloadUrl);
    expect(download.status).toBe(200);
    const marked = Buffer.from(await download.arrayBuffer());
    expect(marked.length).toBeGreaterThan(8 * 1024 * 1024);
    expect(await sharp(marked).metadata()).toMatchObject({ format: 'png', width, height });

    const trace = await send('wm-a', 'POST', `/corps/wm-a/watermarks/trace?uploadId=${await upload(marked)}`);
    expect(trace.status).toBe(200);
    expect(trace.json).toMatchObject({ found: true, memberId: 'leaker', markedAt: '2026-06-01T08:30:00Z' });
  });

  it('answers 413 for an image over the pixel limit however small its file, and traces a 4K screenshot from a downscaled reading', async () => {
    // 7000 x 7000 flat grey: a 156 KB PNG that decodes to 196 MB of RGBA.
    const grey = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#808080' } }).png().toBuffer();
    expect(grey.length).toBeLessThan(200 * 1024);
    for (const route of ['trace', 'embed?memberId=leaker']) {
      const refused = await send('wm-a', 'POST', `/corps/wm-a/watermarks/${route}`, grey);
      expect([refused.status, refused.contentType, refused.json?.code, refused.json?.maxPixels]).toEqual([413, 'application/problem+json', 'PAYLOAD_TOO_LARGE', 4096 * 4096]);
      expect(refused.json.detail).toContain('7000 x 7000 px');
    }

    // A 3840 x 2160 screenshot marked at full size is read at half its size (1920 x 1080 pixels at most).
    const screenshot = await sharp(await picture(3840, 2160)).jpeg({ quality: 90 }).toBuffer();
    const marked = await send('wm-a', 'POST', '/corps/wm-a/watermarks/embed?memberId=leaker', screenshot, 'image/jpeg');
    expect([marked.status, marked.contentType]).toEqual([200, 'image/jpeg']);
    const trace = await send('wm-a', 'POST', '/corps/wm-a/watermarks/trace', marked.bytes, 'image/jpeg');
    // The stack's clock runs on from 08:30:02: the minute is whichever the embed fell in.
    expect([trace.status, trace.json]).toEqual([200, expect.objectContaining({ found: true, memberId: 'leaker', markedAt: expect.stringMatching(/^2026-06-01T08:3\d:00Z$/) })]);
  });

  it('refuses members without a seat, non-images and oversized bodies with problem+json', async () => {
    const image = await picture(200, 200);
    const answers = [
      await send('wm-a', 'POST', '/corps/wm-a/watermarks/embed?memberId=seatless', image),
      await send('wm-a', 'GET', '/corps/wm-a/watermarks/overlay?memberId=seatless'),
      await send('wm-a', 'POST', '/corps/wm-a/watermarks/embed?memberId=nobody', image),
      await send('wm-a', 'POST', '/corps/wm-a/watermarks/trace', Buffer.from('not an image at all'), 'image/png'),
      await send('wm-a', 'POST', '/corps/wm-a/watermarks/trace', Buffer.from('{"a":1}'), 'application/json'),
      await send('wm-a', 'POST', '/corps/wm-a/watermarks/trace', Buffer.alloc(10 * 1024 * 1024 + 1), 'image/png'),
      await send('wm-a', 'POST', '/corps/wm-a/watermarks/embed', image),
      await send('wm-a', 'POST', '/corps/wm-a/watermarks/trace', image, 'image/png', 'wm-b'),
    ];
    expect(answers.map((a) => [a.status, a.json?.code])).toEqual([
      [409, 'NOT_ENTITLED'],
      [409, 'NOT_ENTITLED'],
      [404, 'MEMBER_NOT_FOUND'],
      [415, 'UNSUPPORTED_MEDIA_TYPE'],
      [415, 'UNSUPPORTED_MEDIA_TYPE'],
      [413, 'PAYLOAD_TOO_LARGE'],
      [400, 'VALIDATION_FAILED'],
      [403, 'FORBIDDEN'],
    ]);
    expect(answers.every((a) => a.contentType === 'application/problem+json')).toBe(true);
  });
});
