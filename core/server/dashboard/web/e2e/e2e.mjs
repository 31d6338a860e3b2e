// Browser test of the dashboard, run by e2e_test.go (TestBrowser) against a
// real server: Debian's Chromium driven by playwright-core. Environment:
// BASE_URL, API_KEY, ENTITY, PROJECT, LIVE_RUN (run id), MEDIA_RUN (display
// name of the run with media), ART_DIR (screenshots), CHROMIUM.
import { chromium } from 'playwright-core';
import { join } from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`e2e: environment variable ${k} is not set`);
  return v;
};
const BASE = env('BASE_URL'), KEY = env('API_KEY'), ENTITY = env('ENTITY'), PROJECT = env('PROJECT');
const LIVE = env('LIVE_RUN'), MEDIA = env('MEDIA_RUN'), ART = env('ART_DIR');
const T = 30000;

function check(cond, msg) {
  if (!cond) throw new Error('e2e: ' + msg);
}
let shot = 0;
async function snap(page, name) {
  const f = join(ART, `${String(++shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: f, fullPage: false });
  console.log('screenshot', f);
}
const step = (s) => console.log('step:', s);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const errors = [];
try {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  page.setDefaultTimeout(T);
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  // Expected: 400/401 answers the test provokes, and the CSP blocking the
  // stylesheet W&B's html media links to (nothing leaves the server).
  page.on('console', (m) => m.type() === 'error' && !/status of (400|401)|app\.wandb\.ai.*Content Security Policy/.test(m.text()) && errors.push('console: ' + m.text()));
  page.on('dialog', (d) => d.accept());

  step('sign in');
  await page.goto(BASE + '/');
  await page.waitForURL(/\/login/);
  await page.fill('input[name=apiKey]', 'wrong-key-000000000000');
  await page.click('button[type=submit]');
  await page.waitForSelector('[role=alert]');
  check((await page.textContent('[role=alert]')).includes('not known'), 'a wrong key shows an error');
  await page.fill('input[name=apiKey]', KEY);
  await snap(page, 'login');
  await page.click('button[type=submit]');
  await page.waitForSelector('.project-card');
  await snap(page, 'projects');

  step('runs table');
  await page.click(`.project-card:has-text("${PROJECT}")`);
  await page.waitForURL(new RegExp(`/p/${ENTITY}/${PROJECT}$`));
  await page.waitForFunction(() => document.querySelectorAll('.runs-table .tr[data-run]').length === 4);
  const names = await page.$$eval('.runs-table .tr[data-run] .td.name a', (as) => as.map((a) => a.textContent));
  for (const n of ['resnet-lr-0.001', 'resnet-lr-0.01', 'resnet-lr-0.1']) check(names.includes(n), `run ${n} is in the table (got ${names})`);

  step('chart points');
  // Three finished runs of 300 steps and the live run are charted; each
  // finished run's 300 steps fit in the buckets, one point each.
  const loss = '.panel[data-chart="train/loss"]';
  await page.waitForSelector(loss);
  await page.waitForFunction((sel) => {
    const p = document.querySelector(sel);
    return p && Number(p.dataset.points) >= 900 && p.querySelector('canvas');
  }, loss);
  await snap(page, 'workspace');

  step('filter');
  await page.fill('input[name=filter]', 'config.lr > 0.005 and state = finished');
  await page.press('input[name=filter]', 'Enter');
  await page.waitForFunction(() => document.querySelectorAll('.runs-table .tr[data-run]').length === 2);
  const filtered = await page.$$eval('.runs-table .tr[data-run] .td.name a', (as) => as.map((a) => a.textContent).sort());
  check(JSON.stringify(filtered) === JSON.stringify(['resnet-lr-0.01', 'resnet-lr-0.1']), `filter keeps lr 0.01 and 0.1 (got ${filtered})`);
  // With two runs charted, the chart holds 2 × 300 points.
  await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.points) === 600, loss);
  await page.fill('input[name=filter]', 'config.lr >');
  await page.press('input[name=filter]', 'Enter');
  await page.waitForSelector('.form-error[role=alert]');
  await snap(page, 'filter-error');
  await page.fill('input[name=filter]', 'config.lr > 0.005 and state = finished');
  await page.press('input[name=filter]', 'Enter');
  await page.waitForFunction(() => !document.querySelector('.form-error[role=alert]'));

  step('hover and zoom');
  const canvas = page.locator(`${loss} .u-over`);
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.waitForFunction((sel) => document.querySelector(sel + ' .tip')?.style.display === 'block', loss);
  const tip = await page.textContent(`${loss} .tip`);
  check(/resnet-lr-0\.1/.test(tip) && /Step/.test(tip), `hover shows each run's value (got ${tip})`);
  await snap(page, 'hover');
  await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.up();
  await page.waitForSelector(`${loss} button[title="Reset zoom"]`);
  await page.waitForFunction((sel) => {
    const n = Number(document.querySelector(sel)?.dataset.points);
    return n > 0 && n < 600;
  }, loss);
  await snap(page, 'zoomed');
  await page.click(`${loss} button[title="Reset zoom"]`);
  await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.points) === 600, loss);

  step('smoothing, log scale, x axis');
  await page.$eval('.chart-settings input[type=range]', (el) => {
    el.value = '0.8';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.check('.chart-settings input[type=checkbox]');
  await page.selectOption('.chart-settings select', '_runtime');
  await page.waitForFunction((sel) => {
    const p = document.querySelector(sel);
    return p?.dataset.x === 'Relative time (s)' && p.dataset.loading === '0' && Number(p.dataset.points) === 600;
  }, loss);
  await snap(page, 'smoothed-log-runtime');
  await page.selectOption('.chart-settings select', '_step');
  await page.uncheck('.chart-settings input[type=checkbox]');
  await page.waitForFunction((sel) => {
    const p = document.querySelector(sel);
    return p?.dataset.x === 'Step' && p.dataset.loading === '0' && Number(p.dataset.points) === 600;
  }, loss);

  step('compare');
  await page.click('button:text-is("Compare")');
  await page.waitForSelector('.modal .compare');
  const diffKeys = await page.$$eval('.modal .compare tr.differs th', (ths) => ths.map((t) => t.textContent));
  check(JSON.stringify(diffKeys) === '["lr"]', `compare shows lr as the one differing config key (got ${diffKeys})`);
  await snap(page, 'compare');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.modal', { state: 'detached' });

  step('run colour');
  await page.click('.runs-table .tr[data-run] .dot-btn');
  await page.click('.swatches .swatch[title="#ff9da7"]');
  const first = await page.textContent('.runs-table .tr[data-run] .td.name a');
  await page.waitForFunction(([sel, name]) => {
    const item = [...document.querySelectorAll(sel + ' .legend-item')].find((l) => l.getAttribute('title') === name);
    return item && item.querySelector('.dot').style.background === 'rgb(255, 157, 167)';
  }, [loss, first]);

  step('hide a run from the charts');
  // The eye hides a run from every chart while it stays selected.
  const hideName = first;
  const inLegend = async (want) => page.waitForFunction(([sel, name, want]) =>
    [...document.querySelectorAll(sel + ' .legend-item')].some((l) => l.getAttribute('title') === name) === want, [loss, hideName, want]);
  await page.click('.runs-table .tr[data-run] .eye-btn >> nth=0');
  await inLegend(false);
  check(await page.isChecked('.runs-table .tr[data-run] .td.check input >> nth=0'), 'a hidden run stays selected');
  await page.click('.runs-table .tr[data-run] .eye-btn >> nth=0');
  await inLegend(true);

  await page.click('button[title="Expand the table"]');
  await page.waitForSelector('.workspace.expanded .runs-table .tr.th :text("Job type")');
  await snap(page, 'table-expanded');
  await page.click('button[title="Show charts"]');
  await page.waitForSelector('.panels-pane');

  step('run page: image and table');
  await page.click(`.runs-table .td.name a:text-is("${MEDIA}")`);
  await page.waitForSelector('.run-title');
  await page.waitForSelector('.kv td:text-is("0.01")');
  await snap(page, 'run-overview');
  await page.click('.tab:text-is("Media")');
  await page.waitForSelector('.media-img img');
  await page.waitForFunction(() => [...document.querySelectorAll('.media-img img')].some((i) => i.complete && i.naturalWidth === 64));
  const caption = await page.textContent('[data-media=examples] .media-img figcaption');
  check(/prediction at step \d+/.test(caption), `the image has its caption (got ${caption})`);
  await page.waitForFunction(() => document.querySelectorAll('[data-media=detections] .box-layer rect').length === 2);
  check(await page.$('[data-media=detections] canvas.mask-layer'), 'the segmentation mask is drawn over the image');
  await page.waitForFunction(() => Number(document.querySelector('[data-custom=roc] .panel[data-chart]')?.dataset.points) > 0);
  await page.waitForSelector('[data-custom=confusion] table.confusion td');
  const cmCells = await page.$$eval('[data-custom=confusion] table.confusion td', (tds) => tds.map((t) => Number(t.textContent)));
  check(cmCells.length === 9 && cmCells.reduce((a, b) => a + b, 0) === 12, `the confusion matrix counts 12 predictions in 3×3 cells (got ${cmCells})`);
  check(!(await page.$('[data-media=roc_png]')), 'the PNG of a custom chart drawn here is not shown twice');
  await snap(page, 'run-custom-charts');
  // The point cloud: drawn with WebGL when the browser has it, else the
  // viewer says so.
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-media=cloud]');
    return c && (c.querySelector('.object3d-stage[data-rendered="1"] canvas') || c.textContent.includes('no WebGL'));
  });
  const has3D = !!(await page.$('[data-media=cloud] .object3d-stage[data-rendered="1"]'));
  console.log(`point cloud: ${has3D ? 'drawn with WebGL' : 'no WebGL in this browser: fallback message shown'}`);
  // html media runs in a sandboxed frame: its script runs, but cannot
  // reach the dashboard.
  const frame = await page.waitForSelector('[data-media=report] iframe');
  check((await frame.getAttribute('sandbox')) === 'allow-scripts', 'html media is in an <iframe sandbox="allow-scripts">');
  const inner = await frame.contentFrame();
  await inner.waitForFunction(() => document.getElementById('t')?.textContent.includes('script ran'));
  check(!(await page.title()).includes('pwned'), 'the html media cannot touch the dashboard');
  await page.waitForFunction(() => document.querySelector('[data-media=tone] audio')?.duration > 0.9);
  // A GIF video plays as an animated image; its frames decoded.
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-media=rollout] img');
    return img && img.complete && img.naturalWidth === 48 && img.naturalHeight === 32;
  });
  check((await page.textContent('[data-media=rollout]')).includes('rollout'), 'the video shows its caption');
  await page.locator('[data-media=cloud]').scrollIntoViewIfNeeded();
  await snap(page, 'run-point-cloud');
  await page.waitForSelector('.media-table tbody tr');
  const rows = await page.$$eval('[data-media=predictions] .media-table tbody tr', (trs) => trs.length);
  check(rows === 10, `the table shows its first page of 10 rows (got ${rows})`);
  check((await page.textContent('[data-media=predictions] .media-table .pager')).includes('of 23'), 'the table pager counts 23 rows');
  await page.click('[data-media=predictions] .media-table button:text("Next")');
  await page.waitForFunction(() => document.querySelector('[data-media=predictions] .media-table .pager')?.textContent.includes('Rows 11–20'));
  await snap(page, 'run-media');
  await page.click('.tab:text-is("Logs")');
  await page.waitForSelector('.log-line');
  await page.fill('.logs-bar input', 'EPOCH 3');
  await page.press('.logs-bar input', 'Enter');
  await page.waitForFunction(() => document.querySelectorAll('.log-line').length === 11); // epoch 3, 30..39
  await snap(page, 'run-logs');
  await page.click('.tab:text-is("System")');
  await page.waitForFunction(() => Number(document.querySelector('.panel[data-chart="cpu"]')?.dataset.points) >= 40);
  await snap(page, 'run-system');
  await page.click('.tab:text-is("Files")');
  await page.waitForSelector('.file-list button');
  await snap(page, 'run-files');

  step('artifacts and lineage');
  await page.goto(`${BASE}/p/${ENTITY}/${PROJECT}`);
  await page.click('.rail a[title=Artifacts]');
  await page.waitForSelector('.art-coll-btn:has-text("resnet-weights")');
  await page.click('.art-ver:has-text("v0")');
  await page.waitForSelector('[data-testid=lineage]');
  const lineage = await page.textContent('[data-testid=lineage]');
  check(lineage.includes(MEDIA) && lineage.includes('resnet-lr-0.1') && lineage.includes('resnet-weights:v0'),
    `lineage shows the run that logged and the run that used the artifact (got ${lineage})`);
  await page.click('.file-list button:text("model.txt")');
  await page.waitForFunction(() => document.querySelector('.preview-text')?.textContent.includes('layer2: 0.75'));
  await snap(page, 'artifact');

  step('live run: chart grows, then stop');
  await page.goto(`${BASE}/r/${ENTITY}/${PROJECT}/${LIVE}?tab=charts`);
  const liveLoss = '.panel[data-chart="train/loss"]';
  await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.points) > 0, liveLoss);
  const before = Number(await page.getAttribute(liveLoss, 'data-points'));
  await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel)?.dataset.points) > n, [liveLoss, before], { timeout: 60000 });
  const after = Number(await page.getAttribute(liveLoss, 'data-points'));
  console.log(`live chart grew from ${before} to ${after} points without a reload`);
  await snap(page, 'live-chart');
  await page.click('[data-testid=stop-run]');
  await page.waitForSelector('.run-title .state-pill:text-is("stopping")');
  await snap(page, 'stopping');
  await page.waitForSelector('.run-title .state-pill:not(.running)', { timeout: 90000 });
  const state = await page.textContent('.run-title .state-pill');
  check(state === 'killed' || state === 'finished', `the stopped run ends as killed (got ${state})`);
  await snap(page, 'stopped');

  step('logout');
  await page.click('.user-btn');
  await page.click('.menu-item:text("Sign out")');
  await page.waitForURL(/\/login/);
  const res = await page.request.get(BASE + '/api/ui/me');
  check(res.status() === 401, `after sign-out the API answers 401 (got ${res.status()})`);

  check(errors.length === 0, 'no page errors: ' + errors.join('; '));
  console.log('e2e: PASS');
} catch (e) {
  console.error(String(e.stack || e));
  if (errors.length) console.error('page errors:', errors.join('\n'));
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages[0]) await pages[0].screenshot({ path: join(ART, 'failure.png') });
    console.error('screenshot', join(ART, 'failure.png'));
  } catch {}
  process.exitCode = 1;
} finally {
  await browser.close();
}
