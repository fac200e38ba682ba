// PyTorch models in and out of the lab (widgets/pytorch.js, src/lab/imported.rs, lab/export.rs).
// In: files PyTorch saved (tests/fixtures/safetensors/lab/, written by its generate.py) open from
// the file button and from a drop, and the spectral radius and the gradient norms the page shows
// are PyTorch's (expected.json); bad files are refused with a message in the page that names the
// tensor. Out: the page's downloads are byte for byte the files PyTorch read back
// (roundtrip/pytorch.json, checked natively by tests/lab_safetensors.rs); when the venv with torch
// is installed (UNROLLED_TORCH_PYTHON, default /work/.venv-torch/bin/python), torch also reads the
// page's own download here and must reproduce its numbers: that part needs torch, the rest not.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, assertNoErrors, settle, setup } from './helpers.mjs';

const env = setup();
const DIR = path.join(ROOT, 'tests/fixtures/safetensors/lab');
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
const TORCH = process.env.UNROLLED_TORCH_PYTHON || '/work/.venv-torch/bin/python';

/** The page's number format (www/js/format.js). */
function fmt(x, digits = 3) {
  if (x === 0) return '0';
  const a = Math.abs(x);
  const s = a >= 1e4 || a < 1e-3 ? x.toExponential(digits - 1) : x.toPrecision(digits);
  return s.replace('-', '−');
}

async function openFile(page, file) {
  await page.setInputFiles('#st-file', path.join(DIR, file));
  await page.waitForFunction(() => !/^Reading/.test(document.querySelector('#st-status').textContent));
  await settle(page);
  return page.locator('#st-status').textContent();
}

/** The gradient norm the chain panel says for the selected step (backward phase). */
async function shownGrad(page) {
  const label = await page.locator('#chain').getAttribute('aria-label');
  const m = label.match(/‖∂L\/∂h_t‖ = ([^ ]+?)\.?$/);
  assert.ok(m, label);
  return m[1];
}

test('a PyTorch-saved classifier opens from the file button: ρ and ‖∂L/∂h_t‖ are PyTorch\'s, layer by layer', async () => {
  const { page, errors } = await env.open('T=30&t=20&phase=bwd');
  const fx = expected.cases.classifier_lstm_prefixed;
  const status = await openFile(page, 'classifier_lstm_prefixed.safetensors');
  assert.match(status, /Opened classifier_lstm_prefixed\.safetensors: lstm, 2 layers, bidirectional, H = 8/);
  assert.match(status, /Left alone: embedding\.weight, fc\.bias, fc\.weight/);
  assert.match(await page.locator('#trained-source').textContent(), /under the prefix lstm\..*Not part of it, so left alone: embedding\.weight/);
  assert.equal(await page.locator('#panel-trained h2').textContent(), 'PyTorch model');
  // Layer 0, forward, the candidate block g (the spectrum's default), the lab's pulse and loss at the last step.
  assert.equal(await page.locator('#rho-out').textContent(), fmt(fx.rho[0][2]));
  const pulse = fx.runs[0];
  assert.equal(await shownGrad(page), fmt(pulse.grad_h_norm[0][20]));
  // Layer 1 forward, then its forget-gate block.
  await page.selectOption('#trained-run', '2');
  await settle(page);
  assert.equal(await page.locator('#rho-out').textContent(), fmt(fx.rho[2][2]));
  assert.equal(await shownGrad(page), fmt(pulse.grad_h_norm[2][20]));
  await page.selectOption('#trained-w', '2:1');
  await settle(page);
  assert.equal(await page.locator('#rho-out').textContent(), fmt(fx.rho[2][1]));
  assert.match(await page.locator('#eig-trained-caption').textContent(), /LSTM layer 1 W_hf \(forget gate/);
  // Values the learner types, the loss at every step, the reverse direction of layer 1.
  const typed = fx.runs[1];
  await page.selectOption('#input', 'custom');
  await page.fill('#custom', typed.custom.join(', '));
  await page.press('#custom', 'Enter');
  await page.locator('#custom').blur();
  await page.check('input[name=loss][value=every]');
  await page.selectOption('#trained-run', '3');
  await settle(page);
  // The block chosen (f) stays when the layer or direction changes.
  assert.equal(await page.locator('#rho-out').textContent(), fmt(fx.rho[3][1]));
  assert.equal(await shownGrad(page), fmt(typed.grad_h_norm[3][20]));
  // Every panel drew: the gates of the opened LSTM, its chain, its spectrum.
  assert.ok(await page.locator('#heatmaps figure').count() >= 6);
  assertNoErrors(errors);
});

// The panel offers the Python that reads its downloads: the very file the round-trip test runs,
// served beside the pages (pkg/python/), so a user of the static site has it too.
test('the PyTorch panel links pytorch_lab.py, the file the round trip runs', async () => {
  const { page, errors } = await env.open();
  const got = await page.evaluate(async () => {
    const a = document.getElementById('st-python');
    const r = await fetch(a.href);
    return { status: r.status, text: await r.text(), download: a.hasAttribute('download') };
  });
  assert.equal(got.status, 200);
  assert.ok(got.download);
  assert.equal(got.text, fs.readFileSync(path.join(ROOT, 'tests/fixtures/safetensors/lab/pytorch_lab.py'), 'utf8'));
  assertNoErrors(errors);
});

test('a dropped file opens too (a ReLU RNN marked in its metadata, 2 layers)', async () => {
  const { page, errors } = await env.open('T=30&t=20&phase=bwd');
  const bytes = [...fs.readFileSync(path.join(DIR, 'rnn_relu_stacked.safetensors'))];
  await page.evaluate((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], 'rnn_relu_stacked.safetensors'));
    const area = document.querySelector('.layout');
    area.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    area.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, bytes);
  await page.waitForFunction(() => /Opened/.test(document.querySelector('#st-status').textContent));
  await settle(page);
  const fx = expected.cases.rnn_relu_stacked;
  assert.equal(await page.evaluate(() => window.__unrolled.data.cells[0].name), 'rnn_relu');
  assert.equal(await page.locator('#rho-out').textContent(), fmt(fx.rho[0][0]));
  assert.equal(await shownGrad(page), fmt(fx.runs[0].grad_h_norm[0][20]));
  assertNoErrors(errors);
});

test('the opened model in words: "an LSTM", "an RNN tanh", "a GRU" by the sound of the name, and one input is one', async () => {
  const { page, errors } = await env.open('');
  const said = {};
  for (const f of ['rnn_tanh', 'lstm_stacked', 'gru_bidir_f64', 'classifier_lstm_prefixed']) {
    await openFile(page, `${f}.safetensors`);
    said[f] = await page.locator('#trained-source').textContent();
  }
  assert.match(said.rnn_tanh, /\. An RNN tanh \(nn\.RNN keeps/);
  assert.match(said.rnn_tanh, /the same value on each of its 3 inputs\)/);
  assert.match(said.lstm_stacked, /\. A 2-layer LSTM: input size I = 1,/);
  assert.match(said.lstm_stacked, /the same value on its one input\)/);
  assert.match(said.gru_bidir_f64, /\. A bidirectional GRU:/);
  assert.match(said.classifier_lstm_prefixed, /\. A 2-layer bidirectional LSTM under/);
  // The article of names no fixture has, from the page's own module.
  const articles = await page.evaluate(async () => {
    const { article } = await import('./pkg/js/format.js');
    return ['LSTM', 'RNN ReLU', 'GRU', '8-layer LSTM', '11-layer GRU', '3-layer RNN', 'bidirectional LSTM', 'unidirectional'].map(article);
  });
  assert.deepEqual(articles, ['an', 'an', 'a', 'an', 'an', 'a', 'a', 'a']);
  assertNoErrors(errors);
});

test('bad files are refused in the page with a message naming the tensor; the scene stays', async () => {
  const { page, errors } = await env.open('T=30');
  for (const [name, tensor] of Object.entries(expected.bad)) {
    const status = await openFile(page, `bad/${name}.safetensors`);
    assert.match(status, new RegExp(`^Could not open ${name}\\.safetensors: .*${tensor.replace(/[[\]]/g, '\\$&')}`), status);
    assert.equal(await page.locator('#st-status').getAttribute('class'), 'import-status bad');
    assert.equal(await page.evaluate(() => window.__unrolled.data.imported), null, name);
    assert.equal(await page.locator('#banner').isHidden(), true);
  }
  // The engine is alive: a good file still opens after them.
  assert.match(await openFile(page, 'rnn_tanh.safetensors'), /^Opened rnn_tanh/);
  assertNoErrors(errors);
});

/** A safetensors file's F64 tensors by name (the header is JSON after its 8-byte length). */
function tensors(buf) {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = t.data_offsets;
    const bytes = buf.subarray(8 + n + a, 8 + n + b);
    out[name] = Array.from({ length: bytes.length / 8 }, (_, i) => bytes.readDoubleLE(8 * i));
  }
  return { header, values: out };
}

/**
 * The page's run file against the one PyTorch read: the same header, input and upstream
 * gradient to the bit; the computed output and norms to 1e-9 relative (the page's wasm may fuse
 * a multiply-add the native build does not).
 */
function sameRun(page, fixture, what) {
  const [p, f] = [tensors(page), tensors(fixture)];
  assert.deepEqual(p.header, f.header, `${what}: header`);
  for (const name of Object.keys(f.values)) {
    const exact = name === 'input' || name === 'grad_output';
    f.values[name].forEach((w, i) => {
      const g = p.values[name][i];
      assert.ok(exact ? g === w : Math.abs(g - w) <= 1e-9 * Math.abs(w) + 1e-300, `${what}: ${name}[${i}] ${g} vs ${w}`);
    });
  }
}

/** Clicks a download button; returns the file's name and bytes. */
async function grab(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: dl.suggestedFilename(), buf: fs.readFileSync(await dl.path()) };
}

const hasTorch = (() => {
  try {
    execFileSync(TORCH, ['-c', 'import torch, safetensors'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test(`pytorch_lab.py from the command line: a usage line, a one-line error (exit 2), a two-number summary by default${hasTorch ? '' : ' (torch not installed: skipped)'}`, { skip: !hasTorch }, () => {
  const run = (...args) => spawnSync(TORCH, [path.join(DIR, 'pytorch_lab.py'), ...args], { encoding: 'utf8' });
  const none = run();
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^usage: python pytorch_lab\.py \[--full\] MODEL RUN .*\n$/);
  const plain = run(path.join(DIR, 'rnn_tanh.safetensors'), path.join(DIR, 'rnn_tanh.safetensors'));
  assert.equal(plain.status, 2);
  assert.equal(plain.stderr, `error: ${path.join(DIR, 'rnn_tanh.safetensors')}: not a file exported by the lab: no __metadata__ naming its cell\n`, 'a plain PyTorch file: one line, no traceback');
  const rt = (f) => path.join(DIR, 'roundtrip', f);
  const ok = run(rt('designed_lstm-model.safetensors'), rt('designed_lstm-run.safetensors'));
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^LSTM: largest difference from PyTorch, output \d\.\de-\d+ \(relative to its largest\), grad_h_norm \d\.\de-\d+ \(relative\); --full prints PyTorch's numbers as JSON\n$/);
});

/** torch's reading of the page's two files (needs torch), as pytorch_lab.py prints it. */
function torchReads(tmp, model, run) {
  fs.writeFileSync(path.join(tmp, 'model.safetensors'), model.buf);
  fs.writeFileSync(path.join(tmp, 'run.safetensors'), run.buf);
  const out = execFileSync(TORCH, [path.join(DIR, 'pytorch_lab.py'), '--full', path.join(tmp, 'model.safetensors'), path.join(tmp, 'run.safetensors')]);
  return JSON.parse(out);
}

test(`the page's downloads are the files PyTorch read back${hasTorch ? ', and torch reads them again here' : ' (torch not installed: the torch part is skipped)'}`, async () => {
  const scenes = JSON.parse(fs.readFileSync(path.join(DIR, 'roundtrip/scenes.json'), 'utf8'));
  const torchJson = JSON.parse(fs.readFileSync(path.join(DIR, 'roundtrip/pytorch.json'), 'utf8'));
  const tmp = fs.mkdtempSync(path.join(ROOT, 'target', 'pytorch-e2e-'));
  for (const s of scenes) {
    const imported = Boolean(s.import);
    const c = s.config;
    const hash = imported
      ? `T=${c.steps}&input=${c.input}${c.custom_input ? `&custom=${c.custom_input.join(',')}` : ''}&loss=${c.loss}&t=5&phase=bwd`
      : `${s.hash}&t=5&phase=bwd`;
    const { page, errors } = await env.open(hash);
    if (imported) {
      await openFile(page, s.import);
      await page.selectOption('#trained-run', String(s.run));
      await settle(page);
    }
    if (await page.locator('#st-cell').isEnabled()) await page.selectOption('#st-cell', String(s.cell));
    const model = await grab(page, '#st-model');
    const run = await grab(page, '#st-run');
    const base = imported ? s.import.replace('.safetensors', '') : s.config.cells[s.cell];
    assert.equal(model.name, `${base}-model.safetensors`);
    assert.equal(run.name, `${base}-run.safetensors`);
    assert.ok(model.buf.equals(fs.readFileSync(path.join(DIR, `roundtrip/${s.name}-model.safetensors`))), `${s.name}: model file`);
    sameRun(run.buf, fs.readFileSync(path.join(DIR, `roundtrip/${s.name}-run.safetensors`)), s.name);
    // The gradient norm the page shows at t = 5 is the one PyTorch computed from these files.
    const r = s.run ?? 0;
    if (!imported) await page.selectOption('#chain-cell', s.config.cells[s.cell]);
    await settle(page);
    assert.equal(await shownGrad(page), fmt(torchJson[s.name].grad_h_norm[r][5]), s.name);
    if (hasTorch) {
      const t = torchReads(tmp, model, run);
      assert.ok(t.max_rel_output < 1e-9 && t.max_rel_grad_h_norm < 1e-9, `${s.name}: ${JSON.stringify(t).slice(0, 200)}`);
      assert.equal(fmt(t.grad_h_norm[r][5]), await shownGrad(page));
    }
    assertNoErrors(errors);
    await env.close({ context: page.context() });
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});
