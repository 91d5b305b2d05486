// Opens report.html of a leaky and of a clean run in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) and checks what a person would see: the heap
// chart is drawn, the culprit is named, nothing is logged as an error and nothing is requested.
// Then parses and renders every Mermaid block of the step summaries with mermaid's own parser
// (mermaid.min.js from npm, loaded into a blank page: mermaid needs a DOM to render).
//   node report_test.js WORK_DIR [SCREENSHOT_DIR]      (WORK_DIR as tests/browser/run.sh fills it)
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { chromium } = require('playwright-core');

const [work, shots] = process.argv.slice(2);
const kFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

let failures = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failures++;
    console.log(`not ok - ${name}\n  ${String(e && e.stack || e).split('\n').join('\n  ')}`);
  }
}

// Opens `file` in a fresh page; returns the page and what it logged and requested.
async function open(browser, file) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 1400 } });
  const page = await context.newPage();
  const url = pathToFileURL(file).href;
  const seen = { errors: [], requests: [] };
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') seen.errors.push(m.text()); });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('request', (r) => { if (r.url() !== url) seen.requests.push(r.url()); });
  await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url, { waitUntil: 'load' });
  return { context, page, seen };
}

async function chartIsDrawn(page) {
  const charts = page.locator('svg.chart');
  assert.ok(await charts.count() >= 1, 'no svg.chart');
  const chart = charts.first();
  assert.ok(await chart.isVisible(), 'the chart is not visible');
  const box = await chart.boundingBox();
  assert.ok(box.width > 300 && box.height > 150, `chart too small: ${JSON.stringify(box)}`);
  const points = Number(await chart.getAttribute('data-points'));
  assert.ok(points >= 2, `data-points=${points}`);
  const heap = chart.locator('polyline.series.heap');
  assert.equal(await heap.count(), 1);
  const drawn = (await heap.getAttribute('points')).trim().split(/\s+/).length;
  assert.equal(drawn, points, 'one vertex per checkpoint');
  const lineBox = await heap.boundingBox();
  assert.ok(lineBox.width > 200, `heap line spans ${lineBox.width}px`);
  assert.equal(await chart.locator('circle.point.heap').count(), points);
  assert.ok(await chart.locator('line.mark').count() >= 2, 'snapshot marks');
  // Resident memory (the rss check's series) in a chart of its own, one dot per checkpoint.
  const rssChart = page.locator('svg.chart', { has: page.locator('polyline.series.rss') });
  assert.equal(await rssChart.count(), 1, 'no RSS chart');
  assert.ok(await rssChart.isVisible(), 'the RSS chart is not visible');
  assert.equal(await rssChart.locator('circle.point.rss').count(), points, 'one RSS dot per checkpoint');
  const rssBox = await rssChart.locator('polyline.series.rss').boundingBox();
  assert.ok(rssBox.width > 200, `RSS line spans ${rssBox.width}px`);
}

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: kFlags });
  try {
    await check('leaky report: chart drawn, postPageCache shown, no error, no request', async () => {
      const { context, page, seen } = await open(browser, path.join(work, 'leaky', 'report.html'));
      await chartIsDrawn(page);
      assert.ok(await page.locator('svg.chart polyline.series.fit').count() >= 1, 'fitted line');
      assert.ok(await page.locator('svg.chart polyline.series.limit').count() >= 1, 'limit line');
      const culprit = page.locator('.culprit', { hasText: 'postPageCache' }).first();
      assert.ok(await culprit.isVisible(), 'culprit postPageCache not visible');
      assert.ok(await page.locator('ol.chain li', { hasText: 'postPageCache' }).count() >= 1, 'chain');
      assert.ok(await page.locator('section.check').count() >= 1, 'failed checks');
      assert.equal(await page.locator('header .badge').innerText(), 'failed');
      if (shots) await page.screenshot({ path: path.join(shots, 'report-leaky.png'), fullPage: false });
      assert.deepEqual(seen.errors, [], 'console errors');
      assert.deepEqual(seen.requests, [], 'network requests');
      await context.close();
    });
    await check('clean report: chart drawn, passed, no error, no request', async () => {
      const { context, page, seen } = await open(browser, path.join(work, 'clean', 'report.html'));
      await chartIsDrawn(page);
      assert.equal(await page.locator('header .badge').innerText(), 'passed');
      assert.equal(await page.locator('section.check').count(), 0);
      assert.ok(await page.locator('table.verdict tr.status-passed').count() >= 5);
      if (shots) await page.screenshot({ path: path.join(shots, 'report-clean.png'), fullPage: false });
      assert.deepEqual(seen.errors, [], 'console errors');
      assert.deepEqual(seen.requests, [], 'network requests');
      await context.close();
    });
    await check('step summary: every Mermaid block parses and renders as an xychart', async () => {
      const page = await browser.newPage();
      await page.addScriptTag({ path: require.resolve('mermaid/dist/mermaid.min.js') });
      let blocks = 0;
      for (const run of ['leaky', 'clean']) {
        const md = fs.readFileSync(path.join(work, `${run}-summary.md`), 'utf8');
        const found = [...md.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
        assert.ok(found.length >= 1, `${run}: no mermaid block in the step summary`);
        for (const text of found) {
          const lines = (text.match(/^\s*line \[/gm) || []).length;
          const result = await page.evaluate(async ([t, id]) => {
            const parsed = await mermaid.parse(t);
            const { svg } = await mermaid.render(id, t);
            const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
            return { type: parsed.diagramType, plots: doc.querySelectorAll('.line-plot-0, [class*="line-plot-"]').length };
          }, [text, `m${blocks}`]);
          assert.equal(result.type, 'xychart');
          assert.ok(result.plots >= lines, `${run}: ${result.plots} line plots drawn for ${lines} lines`);
          blocks++;
        }
      }
      // The parser is strict: a broken chart is refused (so the checks above can fail).
      const refused = await page.evaluate(async () => {
        try { await mermaid.parse('xychart-beta\n  x-axis [1, 2\n  line [1, 2]\n'); return false; } catch { return true; }
      });
      assert.ok(refused, 'mermaid accepted a broken xychart');
      await page.close();
    });
  } finally {
    await browser.close();
  }
  if (failures) {
    console.log(`${failures} check(s) failed`);
    process.exit(1);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
