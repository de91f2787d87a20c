import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken } from '../../scripts/token.ts';
import { ensureConsoleBuilt, firstLoadJs } from '../../scripts/console-build.ts';
import { orderPaidEvent } from '../fixtures.ts';
import { client } from '../integration/client.ts';

/*
 * The admin console in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against
 * the local stack: billing, HR and the asset services send their webhooks as they would; everything an
 * admin does goes through the pages. axe-core checks every page; screenshots go to docs/console/.
 */
const CHROMIUM = process.env.STEWARD_CHROMIUM ?? '/usr/bin/chromium';
// Screenshots land in .steward-local/ on every run; STEWARD_CONSOLE_SCREENSHOTS=docs/console refreshes the docs' copies.
const SHOTS = resolve(process.env.STEWARD_CONSOLE_SCREENSHOTS ?? '.steward-local/console-screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PAGES = ['seats', 'offboarding', 'invoices', 'policies', 'devices', 'leak', 'file-log'] as const;
const NAV: Record<(typeof PAGES)[number], { 'zh-CN': string; en: string }> = {
  seats: { 'zh-CN': '席位', en: 'Seats' },
  offboarding: { 'zh-CN': '离职交接', en: 'Offboarding' },
  invoices: { 'zh-CN': '发票', en: 'Invoices' },
  policies: { 'zh-CN': '安全策略', en: 'Security policies' },
  devices: { 'zh-CN': '设备', en: 'Devices' },
  leak: { 'zh-CN': '泄密溯源', en: 'Leak investigation' },
  'file-log': { 'zh-CN': '文件操作日志', en: 'File operation log' },
};

let stack: LocalStack;
let api: ReturnType<typeof client>;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ensureConsoleBuilt();
  stack = await startLocalStack({ runtime: 'sources' });
  api = client(stack.url);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const term = () => ({ start: iso(Date.now() - 86_400_000), end: iso(Date.now() + 300 * 86_400_000) });
const buy = (corpId: string, seats: number) => api.webhook('billing', orderPaidEvent(corpId, `o-${corpId}`, seats, term()));
const hire = (corpId: string, memberId: string, managerId: string | null = null) =>
  api.webhook('hr', { type: 'employee.upserted', data: { corpId, memberId, name: `Name of ${memberId}`, managerId } });

/** The file-leak-prevention policy covering `memberIds`: only their file events are kept. */
const coverWithFileLeakPrevention = async (corpId: string, memberIds: string[]) => {
  const settings = { blockExternalShare: false, blockDownload: false, trustedDeviceDownloadOnly: false, minClientVersion: '4.1.2' };
  const put = await api.admin(corpId, 'PUT', `/corps/${corpId}/policies/file-leak-prevention`, { enabled: true, scope: { memberIds, departmentIds: [] }, settings });
  expect(put.status).toBe(200);
};
/** The stack's now, a second on so it falls after the policy and the seat (events are kept if in scope at occurredAt). */
const scopedNow = async () => {
  await new Promise((r) => setTimeout(r, 1100));
  return ((await api.local('GET', '/local/clock')) as { now: string }).now.replace(/\.\d+Z$/, 'Z');
};
const fileEvent = (corpId: string, eventId: string, memberId: string, occurredAt: string, extra: Record<string, unknown> = {}) => ({
  eventId, corpId, memberId, action: 'download', fileId: `file-${eventId}`, fileName: 'File.docx', channel: 'drive', occurredAt, ...extra,
});
const fileEvents = (events: unknown[]) => api.webhook('files', { events });

/** A fresh browser context signed in to the console for `corpId` through the local sign-in form. */
const signIn = async (corpId: string, lang: 'zh-CN' | 'en' = 'en') => {
  // bypassCSP only so axe can be injected; the pages themselves run under the console's CSP.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 }, locale: lang });
  const page = await context.newPage();
  await page.goto(`${stack.url}/console/${lang === 'en' ? '?lang=en' : ''}`);
  await page.getByLabel(lang === 'en' ? 'Corp ID' : '企业 ID').fill(corpId);
  await page.getByRole('button', { name: lang === 'en' ? /Local sign-in/ : /本地登录/ }).click();
  await page.getByRole('navigation').waitFor();
  return page;
};
const open = async (page: Page, name: (typeof PAGES)[number], lang: 'zh-CN' | 'en' = 'en') => {
  await page.getByRole('navigation').getByRole('link', { name: NAV[name][lang], exact: true }).click();
  await page.getByRole('heading', { level: 1, name: NAV[name][lang] }).waitFor();
};
const allocateInUi = async (page: Page, memberIds: string) => {
  await open(page, 'seats');
  await page.getByLabel('Member IDs (comma-separated)').fill(memberIds);
  await page.getByRole('button', { name: 'Allocate seats' }).click();
  await page.getByRole('status').filter({ hasText: 'Allocated' }).waitFor();
};

describe('admin console in Chromium', () => {
  it('a purchase arrives, seats are allocated, a revocation succeeds, then one is refused after the clock moves 7 days', { timeout: 180_000 }, async () => {
    const corp = 'ui-seats';
    expect((await buy(corp, 3)).status).toBe(202);
    for (const m of ['m-1', 'm-2', 'm-3', 'm-4']) await hire(corp, m);
    const page = await signIn(corp);
    await open(page, 'seats');
    await expect.poll(() => page.getByTestId('purchased').textContent()).toBe('3');
    await expect.poll(() => page.locator('#orders').textContent()).toContain(`o-${corp}`);

    // Too many members: refused all or nothing, explained in words.
    await page.getByLabel('Member IDs (comma-separated)').fill('m-1, m-2, m-3, m-4');
    await page.getByRole('button', { name: 'Allocate seats' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Not enough seats: only 3 available');

    await page.getByLabel('Member IDs (comma-separated)').fill('m-1, m-2');
    await page.getByRole('button', { name: 'Allocate seats' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Allocated 2 seats');
    await expect.poll(() => page.getByTestId('available').textContent()).toBe('1');
    const row = page.locator('tr[data-member="m-2"]');
    // Just allocated: the countdown to revocableUntil (to the minute) reads 7 d 0 h 0 min or just under it.
    await expect.poll(() => row.textContent()).toMatch(/Revocable.*(6 d 23 h \d+|7 d 0 h 0) min/);

    await page.getByRole('button', { name: 'Revoke m-1' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Revoked the seat of m-1');
    await expect.poll(() => page.locator('tr[data-member="m-1"]').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/journey-seats-en.png`, fullPage: true });

    await api.local('POST', '/local/clock', { advanceBy: 'P7D' });
    await open(page, 'offboarding');
    await open(page, 'seats');
    await page.getByRole('button', { name: 'Revoke m-2' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Cannot revoke: a seat locks 7 days after allocation');
    await expect.poll(() => page.locator('tr[data-member="m-2"]').textContent()).toContain('Locked');
    await page.context().close();
  });

  it('a departure’s handover runs to its per-asset report', { timeout: 180_000 }, async () => {
    const corp = 'ui-off';
    await buy(corp, 5);
    await hire(corp, 'boss');
    await hire(corp, 'li', 'boss');
    const page = await signIn(corp);
    await allocateInUi(page, 'li');
    for (const [type, id] of [['doc', 'doc-1'], ['doc', 'doc-2'], ['drive', 'file-1']] as const) {
      const answer = await api.webhook('assets', { type: 'asset.upserted', data: { corpId: corp, assetType: type, assetId: id, ownerId: 'li', title: `Title of ${id}`, externalShares: 0 } });
      expect(answer.status).toBe(202);
    }
    await api.webhook('hr', { type: 'employee.departed', data: { corpId: corp, memberId: 'li', departedAt: iso(Date.now() - 3_600_000) } });

    await open(page, 'offboarding');
    const row = page.locator('#handovers tbody tr').filter({ hasText: 'li' }).first();
    // The page polls while the handover runs.
    // The page polls: the handover appears once HR's departure is planned, and runs to its end.
    await expect.poll(() => row.getAttribute('data-status', { timeout: 1_000 }).catch(() => null), { timeout: 120_000 }).toBe('succeeded');
    await expect.poll(() => row.textContent()).toContain('boss');
    await row.getByRole('button', { name: 'Per-asset report' }).click();
    const report = page.locator('table.report');
    await expect.poll(() => report.locator('tbody tr').count()).toBe(3);
    expect(await report.textContent()).toContain('doc-1');
    await page.screenshot({ path: `${SHOTS}/journey-handover-en.png`, fullPage: true });
    await page.context().close();
  });

  it('an invoice is applied for, with the tax id checked as typed, and issued', { timeout: 180_000 }, async () => {
    const corp = 'ui-inv';
    await buy(corp, 10);
    const page = await signIn(corp);
    await open(page, 'invoices');
    await page.getByLabel('Invoice title').fill('安克科技有限公司');
    await page.getByLabel('Tax ID (unified social credit code)').fill('91110000802100433A');
    await expect.poll(() => page.locator('#tax-id-check').textContent()).toContain('check character');
    expect(await page.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
    await page.getByLabel('Tax ID (unified social credit code)').fill('91110000802100433B');
    await expect.poll(() => page.locator('#tax-id-check').textContent()).toBe('Valid');
    await page.getByLabel('Email').fill('ap@anke.cn');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('requested');
    const row = page.locator('#invoices tbody tr').first();
    await expect.poll(() => row.getAttribute('data-status', { timeout: 1_000 }).catch(() => null), { timeout: 120_000 }).toBe('issued');
    const pdf = await row.getByRole('link', { name: 'Download PDF' }).getAttribute('href');
    const answer = await fetch(pdf!);
    expect(answer.status).toBe(200);
    expect(Buffer.from(await answer.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    await page.screenshot({ path: `${SHOTS}/journey-invoice-en.png`, fullPage: true });
    await page.context().close();
  });

  it('a policy is set and its effect shown as the member’s effective policy', { timeout: 180_000 }, async () => {
    const corp = 'ui-pol';
    await buy(corp, 5);
    await hire(corp, 'm-1');
    await hire(corp, 'm-2');
    const page = await signIn(corp);
    await allocateInUi(page, 'm-1, m-2');
    await open(page, 'policies');
    await page.getByRole('button', { name: 'Edit File leak prevention' }).click();
    const editor = page.locator('#editor');
    await editor.getByLabel('Enabled').check();
    if (await editor.getByLabel('All members').isChecked()) await editor.getByLabel('All members').uncheck();
    await editor.getByLabel('Members (comma-separated)').fill('m-1');
    await editor.getByLabel('blockDownload').check();
    await editor.getByRole('button', { name: 'Save' }).click();
    // The outcome, or the problem explained (which then shows in the failure).
    const outcome = editor.locator('[role="status"], [role="alert"]').first();
    await expect.poll(() => outcome.textContent({ timeout: 1_000 }).catch(() => null), { timeout: 60_000 }).toContain('Saved as version 1');
    await expect.poll(() => editor.textContent()).toContain('Version history');

    const effective = async (memberId: string) => {
      await page.getByLabel('Member ID').fill(memberId);
      await page.getByRole('button', { name: 'Check' }).click();
      const row = page.getByTestId('effective').locator('tr[data-type="file-leak-prevention"]');
      await row.waitFor();
      return row;
    };
    const inScope = await effective('m-1');
    await expect.poll(() => inScope.getAttribute('data-applies')).toBe('true');
    expect(await inScope.textContent()).toContain('In the policy scope');
    expect(await inScope.textContent()).toContain('"blockDownload":true');
    const outOfScope = await effective('m-2');
    await expect.poll(() => outOfScope.getAttribute('data-applies')).toBe('false');
    expect(await outOfScope.textContent()).toContain('Outside the policy scope');
    await page.screenshot({ path: `${SHOTS}/journey-policy-en.png`, fullPage: true });
    await page.context().close();
  });

  it('a marked image is investigated: the investigation names the member and the minute, with the file-event timeline, and the trace audit lists it', { timeout: 180_000 }, async () => {
    const corp = 'ui-leak';
    await buy(corp, 5);
    await hire(corp, 'leaker');
    const page = await signIn(corp);
    await allocateInUi(page, 'leaker');
    await coverWithFileLeakPrevention(corp, ['leaker']);
    // The suite's client marks what it shows the member (POST .../watermarks/embed), as it would.
    const width = 900;
    const height = 640;
    const pixels = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = 70 + (110 * x) / width + 30 * Math.sin(y / 40) + 10 * Math.sin(x / 5) * Math.cos(y / 9);
        pixels.set([v + 25, v, v - 30], 3 * (y * width + x));
      }
    }
    const picture = await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
    const marked = await fetch(`${stack.url}/corps/${corp}/watermarks/embed?memberId=leaker`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await adminToken(corp)}`, 'content-type': 'image/png' },
      body: picture,
    });
    expect(marked.status).toBe(200);
    const leaked = Buffer.from(await marked.arrayBuffer());
    // The files service reports what the member did around the minute of the mark.
    const at = await scopedNow();
    expect(await fileEvents([fileEvent(corp, 'leak-1', 'leaker', at, { action: 'download', fileName: 'Roadmap.pptx' }), fileEvent(corp, 'leak-2', 'leaker', at, { action: 'forward', fileName: 'Roadmap.pptx', channel: 'chat' })])).toMatchObject({ status: 202, body: { accepted: 2 } });

    await open(page, 'leak');
    await page.locator('input[type="file"]').setInputFiles({ name: 'leaked.png', mimeType: 'image/png', buffer: leaked });
    const answer = page.getByTestId('trace-answer');
    await answer.waitFor({ timeout: 60_000 });
    expect(await answer.textContent()).toContain('The mark names member leaker (Name of leaker)');
    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    expect(await timeline.locator('tbody tr').count()).toBe(2);
    expect(await timeline.textContent()).toContain('Roadmap.pptx');
    // Both events fall in the minute of the mark: their rows stand out.
    const markedRows = timeline.locator('tbody tr.marked td');
    expect(await markedRows.count()).toBeGreaterThan(0);
    expect(await markedRows.first().evaluate((td) => (globalThis as unknown as { getComputedStyle: (element: unknown) => { backgroundColor: string } }).getComputedStyle(td).backgroundColor)).toBe('rgb(255, 244, 214)');
    await expect.poll(() => page.locator('#investigations tbody tr').count()).toBe(1);
    await expect.poll(() => page.locator('#audit tbody tr').count()).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: `${SHOTS}/journey-leak-en.png`, fullPage: true });
    await page.context().close();
  });

  it('the file operation log is filtered by member, and its CSV export holds the same rows', { timeout: 180_000 }, async () => {
    const corp = 'ui-files';
    await buy(corp, 5);
    for (const m of ['ann', 'ben']) await hire(corp, m);
    expect((await api.admin(corp, 'POST', `/corps/${corp}/seats/allocations`, { memberIds: ['ann', 'ben'] })).status).toBe(201);
    await coverWithFileLeakPrevention(corp, ['ann', 'ben']);
    const at = await scopedNow();
    const sent = await fileEvents([
      fileEvent(corp, 'f-1', 'ann', at, { action: 'upload', fileName: 'Budget.xlsx' }),
      fileEvent(corp, 'f-2', 'ann', at, { action: 'share', fileName: 'Budget.xlsx', channel: 'chat' }),
      fileEvent(corp, 'f-3', 'ben', at, { action: 'download', fileName: 'Other.docx' }),
    ]);
    expect(sent).toMatchObject({ status: 202, body: { accepted: 3 } });
    const page = await signIn(corp);
    await open(page, 'file-log');
    await page.getByLabel('Member').fill('ann');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.getByTestId('file-events').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.getByTestId('file-events').textContent()).not.toContain('Other.docx');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const link = page.getByTestId('csv-link');
    await link.waitFor();
    const href = (await link.getAttribute('href')) ?? '';
    expect(href).toMatch(/^blob:/);
    const text = (await page.evaluate(async (url) => (await fetch(url)).text(), href)) as string;
    const lines = text.trim().split(/\r?\n/);
    expect(lines).toHaveLength(3); // header and ann's two
    expect(text).toContain('Budget.xlsx');
    expect(text).not.toContain('Other.docx');
    await page.screenshot({ path: `${SHOTS}/journey-file-log-en.png`, fullPage: true });
    await page.context().close();
  });

  it('every page, in zh-CN and en, has no serious or critical axe violation; screenshots of each', { timeout: 180_000 }, async () => {
    mkdirSync(SHOTS, { recursive: true });
    const corp = 'ui-seats';
    const found: string[] = [];
    for (const lang of ['zh-CN', 'en'] as const) {
      const page = await signIn(corp, lang);
      for (const name of PAGES) {
        await open(page, name, lang);
        await page.waitForLoadState('networkidle');
        await page.addScriptTag({ content: AXE });
        const violations = (await page.evaluate(async () => {
          const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
          return (await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] })).violations;
        })) as { id: string; impact: string; nodes: { target: string[] }[] }[];
        for (const v of violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
          found.push(`${lang} ${name}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        }
        await page.screenshot({ path: `${SHOTS}/${name}-${lang}.png`, fullPage: true });
      }
      await page.context().close();
    }
    expect(found).toEqual([]);
  });

  it('first load is at most 150 KB of JavaScript, gzipped', () => {
    const { files, gzipBytes } = firstLoadJs();
    console.log(`console first load: ${files.join(', ')}: ${(gzipBytes / 1024).toFixed(1)} KB of JavaScript gzipped (limit 150 KB)`);
    expect(files.length).toBeGreaterThan(0);
    expect(gzipBytes).toBeLessThanOrEqual(150 * 1024);
  });
});
