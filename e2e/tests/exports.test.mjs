// Every download button produces a valid file: PNG and SVG of each chart and heatmap, the trace
// as JSON (documented format) and as long CSV.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { test } from 'node:test';
import { assertNoErrors, setup } from './helpers.mjs';

const env = setup();
let page;
let errors;
let downloads = 0;

/** The page for the next downloads: headless Chromium drops the 11th download of a page, so a
 * fresh page every 8. */
async function fresh() {
  if (page) assertNoErrors(errors);
  ({ page, errors } = await env.open('T=60&H=12'));
  downloads = 0;
}

async function grab(locator) {
  if (!page || downloads >= 8) throw new Error('call fresh() first');
  downloads += 1;
  const [dl] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), buf: await fs.readFile(file) };
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function checkPng({ name, buf }) {
  assert.match(name, /\.png$/);
  assert.ok(buf.subarray(0, 8).equals(PNG), `${name}: PNG signature`);
  assert.ok(buf.length > 2000, `${name}: ${buf.length} bytes`);
  assert.equal(buf.subarray(12, 16).toString('latin1'), 'IHDR');
  const w = buf.readUInt32BE(16);
  const h = buf.readUInt32BE(20);
  assert.ok(w >= 100 && h >= 50, `${name}: ${w}×${h}`);
}

function checkSvg({ name, buf }) {
  assert.match(name, /\.svg$/);
  const s = buf.toString('utf8');
  assert.ok(s.includes('<svg') && s.trimEnd().endsWith('</svg>'), `${name}: an <svg> document`);
  assert.match(s, /<text[^>]*>[^<]*\w/, `${name}: has text`);
  assert.ok(s.length > 1000, `${name}: ${s.length} chars`);
  return s;
}

test('chart PNG and SVG downloads', async () => {
  await fresh();
  const boxes = page.locator('.downloads[data-chart]');
  const charts = await boxes.evaluateAll((els) => els.map((e) => e.dataset.chart));
  assert.deepEqual(charts, ['gradient-flow', 'spectrum', 'singular-values', 'chain']);
  let n = 0;
  for (const chart of charts) {
    for (const fmt of ['PNG', 'SVG']) {
      const btn = page.locator(`.downloads[data-chart="${chart}"] button`, { hasText: fmt });
      const f = await grab(btn);
      assert.equal(f.name, `unrolled-${chart}.${fmt.toLowerCase()}`);
      if (fmt === 'PNG') checkPng(f);
      else {
        const svg = checkSvg(f);
        // The chain is drawn by the page's own code through an SVG-recording context.
        if (chart === 'chain') assert.match(svg, />t=\d+</, 'chain SVG labels its steps');
      }
      n += 1;
    }
  }
  assert.equal(n, 8);
  assertNoErrors(errors);
});

test('each heatmap PNG and SVG download', async () => {
  await fresh();
  const figs = page.locator('#heatmaps figure');
  const count = await figs.count();
  assert.ok(count >= 6, `${count} heatmaps for the LSTM`);
  const names = new Set();
  for (let i = 0; i < count; i += 1) {
    if (downloads > 6) await fresh();
    const png = await grab(page.locator('#heatmaps figure').nth(i).locator('button', { hasText: 'PNG' }));
    checkPng(png);
    const svg = await grab(page.locator('#heatmaps figure').nth(i).locator('button', { hasText: 'SVG' }));
    const s = checkSvg(svg);
    assert.match(s, /<rect|<image|<path/);
    assert.match(png.name, /^unrolled-lstm-.+\.png$/);
    names.add(png.name);
  }
  assert.equal(names.size, count, 'distinct file names');
  assertNoErrors(errors);
});

test('trace JSON in the documented format', async () => {
  await fresh();
  const f = await grab(page.locator('#download-json'));
  assert.equal(f.name, 'unrolled-lstm-trace.json');
  const j = JSON.parse(f.buf.toString('utf8'));
  assert.equal(j.format, 'unrolled-trace');
  assert.equal(j.version, 1);
  assert.equal(j.cell, 'lstm');
  assert.equal(j.hidden_size, 12);
  for (const k of ['input_size', 'num_layers', 'bidirectional', 'lengths', 'output', 'h_n', 'c_n', 'grads', 'trace']) assert.ok(k in j, `field ${k}`);
  assert.equal(j.output.length, 1);
  assert.equal(j.output[0].length, 60, 'T steps');
  assert.equal(j.output[0][0].length, 12, 'H units');
  const tr = j.trace[0];
  for (const g of ['i', 'f', 'g', 'o', 'c', 'h']) assert.equal(tr.gates[g][0].length, 60, `gate ${g}`);
  for (const k of ['preactivations', 'grad_h_norm', 'grad_c_norm', 'w_hh_grad_contribution', 'nonfinite']) assert.ok(k in tr, `trace field ${k}`);
  assert.equal(tr.grad_h_norm[0].length, 60);
  assertNoErrors(errors);
});

test('trace CSV: header and row count', async () => {
  const f = await grab(page.locator('#download-csv'));
  assert.equal(f.name, 'unrolled-trace.csv');
  const lines = f.buf.toString('utf8').trimEnd().split('\n');
  assert.equal(lines[0], 'cell,step,series,unit,value');
  const rows = lines.slice(1);
  // default cells rnn_tanh (h, pre_h), lstm (i f g o c h + 4 pre), gru (r z n h + 4 pre):
  // 20 T×H series, plus per-step rows.
  const T = 60;
  const H = 12;
  assert.ok(rows.length >= 20 * T * H && rows.length < 30 * T * H, `${rows.length} rows`);
  const cells = new Set(rows.map((r) => r.split(',')[0]));
  assert.deepEqual([...cells].sort(), ['gru', 'lstm', 'rnn_tanh']);
  for (const r of rows.slice(0, 50).concat(rows.slice(-50))) {
    const p = r.split(',');
    assert.equal(p.length, 5, r);
    assert.ok(Number.isFinite(Number(p[4])) || /NaN|inf/i.test(p[4]), r);
  }
  assertNoErrors(errors);
});
