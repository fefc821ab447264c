import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runAmnesia } from '../helpers/cli.ts';

// The HTML report as a person sees it: a real run of README's global-map app, the page opened in
// Debian's Chromium (no browser download: playwright-core drives /usr/bin/chromium) with the
// network off, clicked through, checked with axe-core, and photographed into the test artifacts.
const CHROMIUM = process.env.AMNESIA_CHROMIUM ?? '/usr/bin/chromium';
const HAVE = existsSync(CHROMIUM);
if (!HAVE && process.env.CI)
  throw new Error(
    `CI needs Chromium at ${CHROMIUM} for the HTML report's browser test: .ci/run installs Debian's chromium`,
  );
const SHOTS = path.join(REPO, '.amnesia/test-artifacts/html-report');
const axeSource = () => readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe.skipIf(!HAVE)('the HTML report in a real browser (Debian chromium)', () => {
  let dir: string;
  let file: string;
  let browser: Browser;
  const external: string[] = [];
  let runStatus: number | null;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'amnesia-html-'));
    file = path.join(dir, 'report.html');
    const r = await runAmnesia(
      [
        'run',
        'scenarios/cross-worker.yaml',
        'scenarios/together.yaml',
        '--config',
        'test/apps/llamaindex/amnesia/global-map.yaml',
        '--report',
        `html=${file}`,
        '--artifacts',
        path.join(dir, 'artifacts'),
      ],
      { cwd: REPO, env: { CI: 'true' } },
    );
    runStatus = r.code;
    if (!existsSync(file)) throw new Error(`no report written (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(o: { width?: number; dark?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({
      offline: true,
      viewport: { width: o.width ?? 1280, height: 900 },
      colorScheme: o.dark ? 'dark' : 'light',
    });
    const page = await context.newPage();
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      external.push(url);
      return route.abort();
    });
    await page.goto(`file://${file}`);
    return page;
  }

  it('the failing run wrote a page a browser renders without any network request', async () => {
    expect(runStatus).toBe(1);
    const page = await open();
    await expect(page.title()).resolves.toMatch(/0 passed, 2 failed/);
    expect(external).toEqual([]);
    const size = (await stat(file)).size;
    expect(size).toBeLessThan(512 * 1024);
    await page.context().close();
  });

  it('draws a lane per worker, the failed turn as a red mark that opens its evidence with the missing fact', async () => {
    const page = await open();
    const cross = page.locator('section.scenario', { hasText: 'cross-worker follow-up' });
    await expect(cross.locator('svg .lane').count()).resolves.toBe(4);
    await cross.locator('.timeline').screenshot({ path: path.join(SHOTS, 'timeline.png') });
    const failedMark = cross.locator('svg a[aria-label$=": failed"]').first();
    const label = (await failedMark.getAttribute('aria-label')) ?? '';
    expect(label).toMatch(/^main#2 on r\dw\d pid \d+: failed$/);
    await failedMark.click();
    const hash = await page.evaluate(() => decodeURIComponent(location.hash.slice(1)));
    const details = page.locator(`details[id="${hash}"]`);
    await expect(details.getAttribute('open')).resolves.not.toBeNull();
    await expect(details.locator('.missing').textContent()).resolves.toContain('Miso');
    await details.screenshot({ path: path.join(SHOTS, 'failed-turn.png') });
    // Where the fact was said, the prompt shows it marked.
    await expect(cross.locator('mark.hit', { hasText: 'Miso' }).count()).resolves.toBeGreaterThan(0);
    await page.context().close();
  });

  it('filters by worker and searches the prompts', async () => {
    const page = await open();
    const visibleTurns = () => page.locator('li.turn:not(.hidden)').count();
    const all = await visibleTurns();
    await page.selectOption('#f-worker', 'r1w1');
    const onR1w1 = await visibleTurns();
    expect(onR1w1).toBeGreaterThan(0);
    expect(onR1w1).toBeLessThan(all);
    for (const w of await page
      .locator('li.turn:not(.hidden)')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.worker)))
      expect(w).toBe('r1w1');
    await page.selectOption('#f-worker', '');
    await page.fill('#f-search', 'no such text anywhere');
    await expect(page.locator('section.scenario:not(.hidden)').count()).resolves.toBe(0);
    await expect(page.locator('#f-count').textContent()).resolves.toBe('0 of 2 scenarios shown');
    await page.fill('#f-search', '');
    await page.keyboard.press('Escape');
    await page.keyboard.press('j');
    await expect(page.locator('section.scenario.current').count()).resolves.toBe(1);
    await page.context().close();
  });

  for (const dark of [false, true])
    it(`has no accessibility violations (axe-core, ${dark ? 'dark' : 'light'} theme)`, async () => {
      const page = await open({ dark });
      await page.addScriptTag({ content: await axeSource() });
      const violations = await page.evaluate(async () => {
        const r = await (
          window as unknown as {
            axe: { run(): Promise<{ violations: { id: string; help: string; nodes: unknown[] }[] }> };
          }
        ).axe.run();
        return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
      });
      expect(violations).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, dark ? 'page-dark.png' : 'page-light.png') });
      await page.context().close();
    });

  it('probe and load write their own pages; --open always hands the file to the system opener', async () => {
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    const opened = path.join(dir, 'opened.txt');
    await writeFile(path.join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" > ${opened}\n`, { mode: 0o755 });
    const probeFile = path.join(dir, 'probe.html');
    const p = await runAmnesia(
      [
        'probe',
        '--config',
        'test/apps/llamaindex/amnesia/global-map.yaml',
        '--report',
        `html=${probeFile}`,
        '--open',
        'always',
      ],
      { cwd: REPO, env: { PATH: `${bin}:${process.env.PATH}` } },
    );
    expect(p.code, p.stdout + p.stderr).toBe(1);
    await expect(readFile(opened, 'utf8')).resolves.toBe(`${probeFile}\n`);
    const loadFile = path.join(dir, 'load.html');
    const l = await runAmnesia(
      [
        'load',
        '--config',
        'test/apps/llamaindex/amnesia/global-map.yaml',
        '--sessions',
        '8',
        '--turns',
        '3',
        '--concurrency',
        '4',
        '--report',
        `html=${loadFile}`,
      ],
      { cwd: REPO, env: { CI: 'true' } },
    );
    expect(l.code, l.stdout + l.stderr).toBe(1);

    const page = await browser.newPage();
    await page.goto(`file://${probeFile}`);
    await expect(page.locator('#probe .ladder li').count()).resolves.toBeGreaterThanOrEqual(6);
    await expect(page.locator('#probe').textContent()).resolves.toContain('row 2');
    // Each rung's turns are there, on the lanes that served them.
    await expect(page.locator('li.turn').count()).resolves.toBeGreaterThanOrEqual(12);
    await page.screenshot({ path: path.join(SHOTS, 'probe.png') });
    await page.goto(`file://${loadFile}`);
    await expect(page.locator('h1').textContent()).resolves.toBe('amnesia load');
    await expect(page.locator('.badge.failed').textContent()).resolves.toMatch(/memories lost/);
    await expect(page.locator('.missing').count()).resolves.toBeGreaterThan(0);
    await page.addScriptTag({ content: await axeSource() });
    const violations = await page.evaluate(async () => {
      const r = await (
        window as unknown as { axe: { run(): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }
      ).axe.run();
      return r.violations.map((v) => `${v.id} (${v.nodes.length})`);
    });
    expect(violations).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'load.png') });
    await page.close();
  }, 240_000);

  it('fits a phone: nothing but the timeline scrolls sideways', async () => {
    const page = await open({ width: 390 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SHOTS, 'phone.png'), fullPage: false });
    await page.context().close();
  });
});
