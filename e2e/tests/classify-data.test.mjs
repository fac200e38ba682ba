// The classifier view with the learner's own data (classify.html, widgets/classify/data.js): a
// pasted, chosen or dropped TSV/CSV file is read by the core's importer in the page (a malformed
// one is refused naming the line, and the page trains on as before), split by the test fraction
// and split seed, trained on in the worker; the link says `data=own.<fingerprint>`, a reload in
// the same tab keeps the file, a link opened elsewhere falls back to the shipped sentences with a
// notice; the downloaded spec carries the file as `data.tsv`, and the native `unrolled train`
// gives the browser's numbers. Nothing is requested outside the page's origin.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, launch, record, startServer } from '../lib.mjs';

let server;
let browser;
const contexts = [];
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  server?.close();
});

const SMALL = 'E=8&H=8&budget=600';
const unrolled = path.join(ROOT, 'target/debug/unrolled');

/**
 * A small three-class CSV of the learner's own (header, quoted texts with commas and doubled
 * quotes): the label is the colour word, a few words from it.
 */
function ownCsv() {
  const colours = ['red', 'blue', 'green'];
  const fill = ['the', 'a', 'old', 'big', 'small', 'car', 'house', 'sky', 'door', 'was', 'is', 'very'];
  const lines = ['text,label'];
  for (let i = 0; i < 150; i += 1) {
    const label = colours[i % 3];
    const words = Array.from({ length: 3 + (i % 5) }, (_, j) => fill[(5 * i + 7 * j) % fill.length]);
    words.splice(i % words.length, 0, label);
    const text = words.join(' ');
    lines.push(i % 10 === 0 ? `"${text}, ""${label}"" indeed",${label}` : `${text},${label}`);
  }
  return `${lines.join('\n')}\n`;
}

async function open(hash = SMALL, context = null) {
  const ctx = context ?? await browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true, deviceScaleFactor: 1 });
  if (!context) contexts.push(ctx);
  ctx.setDefaultTimeout(20000);
  const page = await ctx.newPage();
  const { errors, requests } = record(page);
  await page.goto(`${server.url}classify.html${hash ? `#${hash}` : ''}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 20000 });
  await page.waitForSelector('#panel-cls-sentence[data-ready=true]');
  return { page, context: ctx, errors, requests };
}

const session = (page, f) => page.evaluate(f);
const records = (page) => session(page, () => window.__unrolledClassify.session.entrants[0]?.parsed ?? []);
const waitRecords = (page, n) => page.waitForFunction((k) => (window.__unrolledClassify.session.entrants[0]?.parsed.length ?? 0) >= k, n, { timeout: 60000 });
const hashParams = (page) => page.evaluate(() => Object.fromEntries(new URLSearchParams(location.hash.slice(1))));

test('a malformed file is refused naming the line; the shipped data trains on', async () => {
  const { page, errors } = await open();
  await page.selectOption('#cls-data-source', 'own');
  await page.fill('#cls-paste', 'a good film\tpos\na bad film\n');
  await page.click('#cls-use-paste');
  await page.waitForSelector('#cls-data-error:not([hidden])');
  assert.equal(await page.textContent('#cls-data-error'), 'The pasted text was not used: line 2: expected text<TAB>label, got 1 field');
  // CSV: an unclosed quote, named by the line it opens on
  await page.fill('#cls-paste', 'text,label\n"fine,pos\nbad,neg\n');
  await page.click('#cls-use-paste');
  await page.waitForFunction(() => /line 2: a quoted field is not closed/.test(document.querySelector('#cls-data-error').textContent));
  // bytes that are not UTF-8, from a chosen file
  await page.setInputFiles('#cls-file', { name: 'bad.tsv', mimeType: 'text/plain', buffer: Buffer.from([...Buffer.from('good\tpos\nbad '), 0xff, ...Buffer.from('\tneg\n')]) });
  await page.waitForFunction(() => /The file “bad.tsv” was not used: line 2: not valid UTF-8 text/.test(document.querySelector('#cls-data-error').textContent));
  assert.equal((await hashParams(page)).data, undefined, 'still the shipped data');
  assert.match(await page.textContent('#cls-data-summary'), /shipped sentiment sentences/);
  await page.click('#train-step');
  await waitRecords(page, 2);
  assert.equal(typeof (await records(page)).at(-1).test_accuracy_long_range, 'number');
  assert.deepEqual(errors, []);
});

test('your own CSV: read and split in the page, trained in the worker, reproduced by `unrolled train`', async () => {
  const csv = ownCsv();
  const { page, errors, requests } = await open();
  await page.selectOption('#cls-data-source', 'own');
  await page.fill('#cls-test', '0.3');
  await page.dispatchEvent('#cls-test', 'change');
  await page.setInputFiles('#cls-file', { name: 'colours.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.waitForFunction(() => /Your data \(colours.csv/.test(document.querySelector('#cls-data-summary').textContent));
  const summary = await page.textContent('#cls-data-summary');
  // 150 examples, 50 a class; 30 % of each class held out: 15 × 3
  assert.match(summary, /150 examples in 3 classes \(blue 50, green 50, red 50\); 105 to train on, 45 held out/);
  const p = await hashParams(page);
  assert.match(p.data, /^own\.[0-9a-f]{8}$/);
  assert.equal(p.test, '0.3');
  assert.equal(p.split, '0');
  // the typed sentence is read with the file's vocabulary and classes
  await page.fill('#cls-text', 'the big red door');
  await page.waitForFunction(() => document.querySelectorAll('.prob-row').length === 3 && document.querySelectorAll('#cls-grid .word').length === 4);
  assert.deepEqual(await page.locator('#cls-grid .word.unknown').allTextContents(), [], 'every word is in the file');
  assert.deepEqual(await page.locator('.prob-row').evaluateAll((els) => els.map((e) => e.dataset.class)), ['blue', 'green', 'red']);
  // two evaluation periods in the worker
  await page.click('#train-step');
  await waitRecords(page, 2);
  await page.waitForFunction(() => !window.__unrolledClassify.session.stepping);
  await page.click('#train-step');
  await waitRecords(page, 3);
  const browserRecords = await records(page);
  assert.deepEqual(browserRecords.map((r) => r.iteration), [0, 25, 50]);
  assert.equal(browserRecords[0].test_accuracy_long_range, undefined, 'the file marks no long-range sentences');
  // the model's file names the file's classes in logit order (issue 9), as the page lists them
  const [dm] = await Promise.all([page.waitForEvent('download'), page.click('#cls-st-f32')]);
  const st = fs.readFileSync(await dm.path());
  const meta = JSON.parse(st.subarray(8, 8 + Number(st.readBigUInt64LE(0))).toString('utf8')).__metadata__;
  assert.deepEqual(JSON.parse(meta.classes), ['blue', 'green', 'red']);
  assert.equal(meta.output_dim, '3');
  // the downloaded spec carries the file; natively it gives the same numbers
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#cls-spec')]);
  const spec = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  assert.equal(spec.data.tsv, csv);
  assert.deepEqual([spec.data.test_fraction, spec.data.split_seed, spec.task], [0.3, 0, undefined]);
  assert.ok(fs.existsSync(unrolled), 'build the CLI first: cargo build --bin unrolled');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'unrolled-')), 'spec.json');
  fs.writeFileSync(file, JSON.stringify({ ...spec, seconds: undefined, iterations: 50 }));
  const native = execFileSync(unrolled, ['train', file], { encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n').map((l) => JSON.parse(l)).filter((r) => !r.final);
  assert.deepEqual(native.map((r) => r.iteration), [0, 25, 50]);
  const close = (a, b, what) => assert.ok(a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);
  browserRecords.forEach((b, i) => {
    for (const k of ['sequences', 'train_loss', 'test_loss', 'test_accuracy', 'grad_norm', 'clip_count']) {
      if (b[k] === null) assert.equal(native[i][k], null, k); else close(b[k], native[i][k], `${k} at iteration ${b.iteration}`);
    }
  });
  // nothing left the page's origin
  const origin = new URL(server.url).origin;
  assert.deepEqual(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')), []);
  assert.deepEqual(errors, []);
});

test('a reload keeps the file; a link opened elsewhere falls back to the shipped data and says why', async () => {
  const { page, context, errors } = await open();
  await page.selectOption('#cls-data-source', 'own');
  // dropped on the panel, as a file
  const dt = await page.evaluateHandle((text) => {
    const d = new DataTransfer();
    d.items.add(new File([text], 'dropped.tsv', { type: 'text/plain' }));
    return d;
  }, ownCsv().replace(/,(red|blue|green)$/gm, '\t$1').replace(/^text,label$/m, 'text\tlabel').replace(/"/g, ''));
  await page.dispatchEvent('#cls-drop', 'drop', { dataTransfer: dt });
  await page.waitForFunction(() => /Your data \(dropped.tsv/.test(document.querySelector('#cls-data-summary').textContent));
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /data=own\.[0-9a-f]{8}/);
  await page.reload();
  await page.waitForSelector('#panel-cls-sentence[data-ready=true]');
  assert.match(await page.textContent('#cls-data-summary'), /Your data \(dropped.tsv/);
  assert.equal(await page.isVisible('#notices'), false);
  assert.equal(await page.evaluate(() => location.hash), hash);
  // a new context has none of this tab's storage: the shipped data, and a notice naming data
  const other = await open(hash.slice(1));
  assert.match(await other.page.textContent('#notices'), /data: this link was made with a file of the learner's own \(fingerprint [0-9a-f]{8}\).*shipped sentiment sentences are shown instead\. Load the file again in the Data panel \(Train on: “your own data”\) to train on it/);
  // the labels it names are the page's own (issue 9): the panel's heading and the option
  assert.equal(await other.page.textContent('#panel-cls-data h2'), 'Data');
  assert.equal(await other.page.textContent('#cls-data-source option[value=own]'), 'your own data');
  assert.match(await other.page.textContent('#cls-data-summary'), /shipped sentiment sentences/);
  assert.equal((await hashParams(other.page)).data, undefined, 'the link no longer claims the file');
  // back to the shipped data from the select
  await page.selectOption('#cls-data-source', 'sentiment');
  await page.waitForFunction(() => !location.hash.includes('data='));
  assert.equal(await page.evaluate(() => window.__unrolledClassify.session.classes.join()), 'negative,positive');
  assert.deepEqual(errors, []);
  assert.deepEqual(other.errors, []);
  await context.close();
});
