// Performance of the dashboard in Chromium, run by perf_test.go
// (TestBrowserPerf). Prints one line per measure; times are from
// navigation start (performance.now()) to the moment the content is drawn.
import { chromium } from 'playwright-core';
import { join } from 'node:path';

const BASE = process.env.BASE_URL, KEY = process.env.API_KEY, DEEP = process.env.DEEP_RUN, ART = process.env.ART_DIR;
const RUNS = Number(process.env.RUNS), DEEP_KEYS = Number(process.env.DEEP_KEYS);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
try {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(120000);
  await page.goto(BASE + '/login');
  await page.fill('input[name=apiKey]', KEY);
  await page.click('button[type=submit]');
  await page.waitForSelector('.project-card');

  // 1. Workspace of RUNS runs: table rows and every chart in view drawn.
  const wide = [];
  for (let i = 0; i < 4; i++) {
    await page.goto(`${BASE}/p/alice/wide`);
    await page.waitForFunction((n) => {
      const total = document.querySelector('[data-testid=run-count]')?.textContent;
      const rows = document.querySelectorAll('.runs-table .tr[data-run]').length;
      const charts = [...document.querySelectorAll('.panel[data-chart]')];
      return total === String(n) && rows > 10 && charts.length >= 4 && charts.every((c) => Number(c.dataset.points) > 0);
    }, RUNS, { polling: 'raf' });
    wide.push(await page.evaluate(() => performance.now()));
  }
  const charts = await page.$$eval('.panel[data-chart]', (cs) => cs.length);
  await page.screenshot({ path: join(ART, 'perf-workspace.png') });
  console.log(`workspace ${RUNS} runs: table + first ${charts} charts in ${wide.map((x) => x.toFixed(0)).join(', ')} ms (first load: cold browser and server caches; median of the repeats ${median(wide.slice(1)).toFixed(0)} ms)`);

  // 2. Run page with DEEP_KEYS charts of 10^6 steps, all in view.
  await page.setViewportSize({ width: 1920, height: 9000 });
  const deep = [];
  for (let i = 0; i < 3; i++) {
    await page.goto(`${BASE}/r/alice/deep/${DEEP}?tab=charts`);
    await page.waitForFunction((n) => {
      const cs = [...document.querySelectorAll('.panel[data-chart]')];
      return cs.length === n && cs.every((c) => Number(c.dataset.points) > 0);
    }, DEEP_KEYS, { polling: 'raf' });
    deep.push(await page.evaluate(() => performance.now()));
  }
  const rt = await page.evaluate(() => {
    const rs = performance.getEntriesByType('resource').filter((r) => r.name.includes('/series?'));
    const d = rs.map((r) => r.responseEnd - r.requestStart).sort((a, b) => a - b);
    return { n: rs.length, first: Math.min(...rs.map((r) => r.startTime)), last: Math.max(...rs.map((r) => r.responseEnd)), med: d[d.length >> 1], max: d[d.length - 1] };
  });
  console.log(`  series requests: ${rt.n}, first sent at ${rt.first.toFixed(0)} ms, last answered at ${rt.last.toFixed(0)} ms, each ${rt.med.toFixed(0)} ms median, ${rt.max.toFixed(0)} ms max`);
  const pts = await page.$eval('.panel[data-chart]', (c) => c.dataset.points);
  console.log(`run page ${DEEP_KEYS} charts × 1e6 steps (${pts} buckets each): ${deep.map((x) => x.toFixed(0)).join(', ')} ms (first: cold server cache; repeats served from its series cache)`);

  // 3. Zoom: from mouse-up to the finer buckets drawn.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${BASE}/r/alice/deep/${DEEP}?tab=charts`);
  const first = '.panel[data-chart="g0/k00"]';
  await page.waitForFunction((s) => Number(document.querySelector(s)?.dataset.points) > 0, first);
  const zooms = [];
  for (let i = 0; i < 5; i++) {
    const box = await page.locator(`${first} .u-over`).boundingBox();
    const before = await page.getAttribute(first, 'data-points');
    await page.evaluate((s) => {
      const el = document.querySelector(s);
      window.__zoom = { up: 0, done: 0, before: el.dataset.points };
      window.addEventListener('mouseup', () => (window.__zoom.up = performance.now()), { capture: true, once: true });
      new MutationObserver((_, obs) => {
        window.__zoom.done = performance.now();
        obs.disconnect();
      }).observe(el, { attributes: true, attributeFilter: ['data-points'] });
    }, first);
    const a = 0.2 + 0.1 * i, b = a + 0.1;
    await page.mouse.move(box.x + box.width * a, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * b, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(() => window.__zoom.done > 0);
    zooms.push(await page.evaluate(() => window.__zoom.done - window.__zoom.up));
    await page.screenshot({ path: join(ART, 'perf-zoom.png') });
    await page.click(`${first} button[title="Reset zoom"]`);
    await page.waitForFunction(([s, n]) => document.querySelector(s)?.dataset.points === n, [first, before]);
  }
  console.log(`zoom on a 1e6-step chart: ${zooms.map((x) => x.toFixed(0)).join(', ')} ms (median ${median(zooms).toFixed(0)} ms)`);
} catch (e) {
  console.error(String(e.stack || e));
  process.exitCode = 1;
} finally {
  await browser.close();
}
