// "Open in the lab": the race's trained models handed to the lab page through this browser's
// storage. The lab must run exactly the parameters the worker trained (compared name by name),
// show each head's answer on a task sequence, keep the designed-W controls off (an eigenvalue
// cannot be dragged), change the sequence and the matrix shown, go back to the designed scene,
// and treat a link to models this browser does not have as a notice, not a failure.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openPage, record, startServer } from '../lib.mjs';

let server;
let browser;
const contexts = [];
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  server?.close();
});

/** A short race (T = 20, H = 8) stepped twice, then handed to the lab: [train page, lab page]. */
async function handOff() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  contexts.push(context);
  context.setDefaultTimeout(30000);
  const page = await context.newPage();
  const { errors } = record(page);
  await page.goto(`${server.url}train.html#T=20&H=8&batch=8&budget=600`);
  await page.waitForSelector('body[data-ready=true]');
  for (const n of [2, 3]) {
    await page.click('#train-step');
    // (entrants is empty until the worker has started the run: `every` of nothing is true)
    await page.waitForFunction((k) => {
      const t = window.__unrolledTrain.session;
      return t.entrants.length > 0 && t.entrants.every((e) => e.parsed.length >= k) && !t.stepping;
    }, n)
      .catch(async (e) => {
        const s = await page.evaluate(() => { const t = window.__unrolledTrain.session; return { n: t.entrants.map((x) => x.parsed.length), stepping: t.stepping, running: t.running, started: t.started, error: t.error }; });
        throw new Error(`${e.message}: ${JSON.stringify(s)}; page errors: ${errors.join(' | ')}`);
      });
  }
  // (a busy machine can be slow to draw the new tab: wait for it longer than for a click)
  await page.waitForSelector('#train-open-lab:enabled');
  const [lab] = await Promise.all([
    page.waitForEvent('popup', { timeout: 90000 }),
    page.click('#train-open-lab'),
  ]).catch(async (e) => {
    const note = await page.textContent('#train-open-note');
    throw new Error(`${e.message}; the note under the button: ${note}; page errors: ${errors.join(' | ')}`);
  });
  const labErrors = record(lab).errors;
  await lab.waitForURL(/#trained=/);
  await lab.waitForSelector('body[data-ready=true]');
  await lab.waitForSelector('body[data-analysis=ready]', { timeout: 60000 });
  return { context, page, lab, errors, labErrors };
}

const params = (spec) => JSON.parse(spec).params;

test('the race\'s trained models open in the lab with their exact parameters', async () => {
  const { page, lab, errors, labErrors } = await handOff();
  const race = await page.evaluate(async () => {
    const { session } = window.__unrolledTrain;
    return Promise.all(session.entrants.map(async (e) => ({ cell: e.cellName, params: JSON.parse((await session.finalOf(e.name)).params) })));
  });
  assert.match(lab.url(), /#.*trained=[a-z0-9]+/);
  const shown = await lab.evaluate(() => {
    const u = window.__unrolled;
    return {
      cells: u.data.cells.map((c) => c.name),
      specs: u.data.cells.map((c, i) => u.lab.spec_json(i)),
      task: u.data.task,
      T: u.state.T,
      heads: u.data.cells.map((c) => c.head),
    };
  });
  assert.deepEqual(shown.cells, race.map((r) => r.cell));
  shown.specs.forEach((spec, i) => {
    const p = params(spec);
    for (const [name, value] of Object.entries(p)) {
      assert.deepEqual(value, race[i].params[`rnn.${name}`], `${race[i].cell} ${name}: the lab runs the trained values`);
    }
    assert.equal(JSON.parse(spec).input_size, 2, 'value and marker');
  });
  assert.equal(shown.task.task, 'adding');
  assert.ok(shown.T >= 20 && shown.T <= 22, `one adding sequence at T = 20 has 20–22 steps, got ${shown.T}`);
  shown.heads.forEach((h) => assert.ok(Number.isFinite(h.loss) && h.outputs.length === 1));
  const panel = lab.locator('#panel-trained');
  assert.ok(await panel.isVisible());
  const text = await panel.innerText();
  assert.match(text, /Trained in the race on adding \(T = 20\), seed 0; sequences seen: RNN tanh [\d,]+, LSTM [\d,]+, GRU [\d,]+\./);
  for (const label of ['RNN tanh', 'LSTM', 'GRU']) assert.match(text, new RegExp(`${label}: output −?[\\d.]+ for target [\\d.]+, (not )?solved`));
  assert.match(await lab.locator('[data-note=trained]').innerText(), /The target depends on the values at steps \d+ and \d+/);
  assert.deepEqual(errors, []);
  assert.deepEqual(labErrors, []);
});

test('in the lab: designed-W controls off, another sequence, another matrix, and back', async () => {
  const { lab, labErrors } = await handOff();
  for (const id of ['rho', 'sigma', 'nonnormal', 'hidden', 'steps', 'carry-bias', 'preset-explode']) {
    assert.equal(await lab.locator(`#${id}`).isDisabled(), true, `#${id} is off for trained weights`);
  }
  // Dragging an eigenvalue selects it but does not design a W.
  const before = await lab.evaluate(() => Array.from(window.__unrolled.data.eig));
  const r = await lab.evaluate(() => window.__unrolled.spectrumRect);
  const [re, im] = [before[0], before[1]];
  const x = r.x + ((re + r.lim) / (2 * r.lim)) * r.width;
  const y = r.y + ((r.lim - im) / (2 * r.lim)) * r.height;
  await lab.mouse.move(x, y);
  await lab.mouse.down();
  await lab.mouse.move(x + 30, y - 20, { steps: 4 });
  await lab.mouse.up();
  await lab.evaluate(() => window.__unrolled.settled());
  assert.deepEqual(await lab.evaluate(() => Array.from(window.__unrolled.data.eig)), before);
  assert.equal(await lab.evaluate(() => window.__unrolled.state.eigs), null);

  const target = () => lab.evaluate(() => window.__unrolled.data.task.target[0]);
  const first = await target();
  await lab.click('#trained-next');
  await lab.evaluate(() => window.__unrolled.settled());
  assert.equal(await lab.evaluate(() => window.__unrolled.state.seq), 1);
  assert.notEqual(await target(), first, 'another sequence, another target');
  await lab.waitForFunction(() => /seq=1/.test(location.hash));

  // The LSTM's forget-gate block: the spectrum is that matrix's.
  await lab.selectOption('#trained-w', '1:1');
  await lab.evaluate(() => window.__unrolled.settled());
  const f = await lab.evaluate(() => ({ task: window.__unrolled.data.task, rho: window.__unrolled.data.rho }));
  assert.deepEqual([f.task.spectrum_model, f.task.spectrum_block], [1, 1]);
  assert.match(await lab.locator('#spectrum-trained-hint').innerText(), /LSTM's W_hf \(forget gate f\)/);
  assert.match(await lab.locator('#rho-out').innerText(), new RegExp(f.rho.toPrecision(3).replace('.', '\\.')));

  await lab.click('#trained-leave');
  await lab.evaluate(() => window.__unrolled.settled());
  assert.equal(await lab.locator('#panel-trained').isVisible(), false);
  assert.equal(await lab.locator('#rho').isDisabled(), false);
  assert.equal(await lab.evaluate(() => window.__unrolled.data.task), null);
  assert.doesNotMatch(await lab.evaluate(() => location.hash), /trained=/);
  // Leaving is a step in the history: Back returns to the trained models.
  await lab.goBack();
  await lab.waitForSelector('#panel-trained:not([hidden])');
  assert.match(await lab.evaluate(() => location.hash), /trained=/);
  assert.equal(await lab.locator('#rho').isDisabled(), true);
  assert.deepEqual(labErrors, []);
});

test('a link to trained models this browser does not have is a notice; the designed scene shows', async () => {
  const { page, context, errors } = await openPage(browser, server.url, 'trained=nosuchid&seq=3');
  contexts.push(context);
  await page.waitForSelector('body[data-analysis=ready]', { timeout: 60000 });
  assert.match(await page.locator('#notices').innerText(), /trained: the trained models "nosuchid" are not stored in this browser/);
  assert.equal(await page.locator('#panel-trained').isVisible(), false);
  assert.equal(await page.evaluate(() => window.__unrolled.data.task), null);
  assert.deepEqual(await page.evaluate(() => window.__unrolled.state.cells), ['rnn_tanh', 'lstm', 'gru']);
  assert.deepEqual(errors, []);
});

test('<unrolled-train lab-href> opens the lab page the teacher names', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  contexts.push(context);
  context.setDefaultTimeout(30000);
  const page = await context.newPage();
  const { errors } = record(page);
  await page.goto(`${server.url}embed-train-example.html`);
  await page.evaluate(() => {
    const el = document.createElement('unrolled-train');
    el.id = 'mine';
    el.setAttribute('config', 'T=20&H=8&batch=8&budget=600');
    el.setAttribute('panels', 'train-transport train-exports');
    el.setAttribute('lab-href', 'index.html?from=element');
    document.body.append(el);
  });
  const mine = page.locator('#mine');
  await mine.locator('#train-open-lab').waitFor();
  await mine.locator('#train-step').click();
  await mine.locator('#train-open-lab:not([disabled])').waitFor();
  const [lab] = await Promise.all([page.waitForEvent('popup', { timeout: 90000 }), mine.locator('#train-open-lab').click()]);
  await lab.waitForURL(/#trained=/);
  await lab.waitForSelector('body[data-ready=true]');
  assert.match(lab.url(), /\/index\.html\?from=element#(.*&)?trained=[a-z0-9]+/);
  await lab.waitForSelector('#panel-trained:not([hidden])');
  assert.deepEqual(errors, []);
});

test('a blocked new tab leaves a link to the lab under the button', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  contexts.push(context);
  context.setDefaultTimeout(30000);
  const page = await context.newPage();
  const { errors } = record(page);
  await page.goto(`${server.url}train.html#T=20&H=8&batch=8&budget=600`);
  await page.waitForSelector('body[data-ready=true]');
  await page.click('#train-step');
  await page.waitForSelector('#train-open-lab:enabled');
  await page.evaluate(() => { window.open = () => null; }); // what a popup blocker returns
  await page.click('#train-open-lab');
  const link = page.locator('#train-open-note a');
  await link.waitFor();
  assert.match(await page.textContent('#train-open-note'), /blocked the new tab/);
  assert.match(await link.getAttribute('href'), /\/index\.html#trained=[a-z0-9]+$/);
  assert.deepEqual(errors, []);
});

test('<unrolled-lab accept-trained> on the lab-href page shows the handed-off models; others do not', async () => {
  const { context, lab } = await handOff();
  const id = /trained=([a-z0-9]+)/.exec(lab.url())[1];
  const page = await context.newPage();
  const { errors } = record(page);
  await page.goto(`${server.url}embed-example.html#trained=${id}`);
  await page.evaluate(() => {
    for (const [elId, accept] of [['mine', true], ['other', false]]) {
      const el = document.createElement('unrolled-lab');
      el.id = elId;
      el.setAttribute('panels', 'trained gates');
      if (accept) el.setAttribute('accept-trained', '');
      document.body.append(el);
    }
  });
  await page.waitForFunction(() => ['mine', 'other'].every((i) => document.getElementById(i).dataset.ready === 'true'));
  const seen = await page.evaluate(() => ['mine', 'other'].map((i) => {
    const s = document.getElementById(i).session;
    return { trained: s.state.trained, cells: s.state.cells, shown: !document.getElementById(i).shadowRoot.querySelector('#panel-trained').hidden };
  }));
  assert.deepEqual(seen[0], { trained: id, cells: ['rnn_tanh', 'lstm', 'gru'], shown: true });
  assert.equal(seen[1].trained, '', 'without accept-trained the element keeps its own config');
  assert.equal(seen[1].shown, false);
  assert.deepEqual(errors, []);
});
