// The lessons' shared mechanics and lessons 1–2, as a new learner meets them: a verdict takes
// focus and is in view after answering; a kept answer comes back on reload with its verdict, and
// "Answer again" reopens the question without losing it until a new answer is made; MathML is set
// in a math font installed here (no web font); lesson 1's chain steps with the keys on its picture
// and buttons, and its claims and explanations say the numbers the widgets show (the state after
// the pulse, the halving arithmetic, which multiplies out as written); lesson 2's tanh explanation
// says what the flow chart's note says; what answers a question stays hidden until it is asked.
// Screenshots of lessons 1 and 2, answered, at 1280×720, 390×844 and 1280×720 at 150 % zoom go to
// e2e/screenshots/ (and axe-core finds nothing serious on the answered pages).

import assert from 'node:assert/strict';
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

async function context(viewport = { width: 1280, height: 720 }, deviceScaleFactor = 1) {
  const c = await browser.newContext({ viewport, deviceScaleFactor });
  contexts.push(c);
  c.setDefaultTimeout(60000);
  return c;
}

const AXE = path.join(ROOT, 'e2e/node_modules/axe-core/axe.min.js');
const LESSON1 = '1-recurrent-neuron.html';
const LESSON2 = '2-vanishing-exploding.html';

async function open(c, href, page) {
  page ??= await c.newPage();
  const seen = record(page);
  await page.goto(`${server.url}lessons/${href}`);
  await page.waitForSelector('body[data-lesson-ready=true]');
  await page.waitForFunction(() => [...document.querySelectorAll('unrolled-lab')].every((e) => e.dataset.ready === 'true'));
  return { page, ...seen };
}

/** Is element `q` (in the page) wholly inside the viewport? */
const inView = (page, q) => page.locator(q).evaluate((e) => {
  const r = e.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth;
});

/** Answers prediction `id` with `choice` from the keyboard (focus the button, Enter). */
async function answerWithKeys(page, id, choice) {
  const b = page.locator(`.predict[data-predict="${id}"] .choice[data-choice="${choice}"]`);
  await b.focus();
  await page.keyboard.press('Enter');
  await page.locator(`.predict[data-predict="${id}"] .verdict`).waitFor();
}

test('after an answer the verdict has focus and is in view; Tab goes on to its buttons', async () => {
  for (const viewport of [{ width: 1280, height: 720 }, { width: 390, height: 844 }]) {
    const { page, errors } = await open(await context(viewport), LESSON1);
    const box = '.predict[data-predict="back"]';
    // The choices sit at the bottom of the screen: the verdict appears below them.
    await page.locator(`${box} .choice`).first().evaluate((e) => {
      window.scrollBy(0, e.getBoundingClientRect().bottom - window.innerHeight + 4);
    });
    await answerWithKeys(page, 'back', 'shrink');
    const focused = () => page.evaluate(() => document.activeElement.className);
    assert.equal(await focused(), 'verdict right', `${viewport.width}: focus on the verdict`);
    await page.waitForFunction((q) => {
      const r = document.querySelector(q).getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    }, `${box} .verdict`);
    // scrolled only as far as needed: the question's choices are still on screen above it
    assert.equal(await inView(page, `${box} .choices`), true, `${viewport.width}: the choices stay in view`);
    assert.equal(await page.locator(`${box} .verdict`).textContent(), 'Right: it shrinks.');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Answer again');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Show it on the widget');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => {
      const r = document.getElementById('flow').getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight;
    });
    assert.deepEqual(errors, []);
  }
});

test('a kept answer comes back with its verdict on reload; "Answer again" keeps it until a new answer', async () => {
  const c = await context();
  const { page, errors } = await open(c, LESSON1);
  await answerWithKeys(page, 'back', 'shrink');
  const box = page.locator('.predict[data-predict="back"]');
  const first = { verdict: await box.locator('.verdict').textContent(), why: await box.locator('.why').innerHTML() };
  await open(c, LESSON1, page); // reload
  assert.equal(await box.locator('.verdict').textContent(), first.verdict);
  assert.equal(await box.locator('.why').innerHTML(), first.why, 'the explanation as it was');
  assert.match(await box.locator('.earlier').textContent(), /earlier visit: it shrinks/);
  assert.equal(await box.locator('.choice[data-choice="shrink"]').getAttribute('aria-pressed'), 'true');
  assert.equal(await box.locator('.choice[data-choice="grow"]').isDisabled(), true, 'no silent overwrite');
  assert.equal(await page.locator('unrolled-lab#flow').isVisible(), true, 'what waited for the answer shows');
  // Answer again: the choices open, focus on the kept choice, the kept answer stays until a new one.
  await box.getByRole('button', { name: 'Answer again' }).click();
  assert.equal(await box.locator('.choice[data-choice="grow"]').isDisabled(), false);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.choice), 'shrink');
  assert.match(await box.locator('.status').textContent(), /earlier answer \(it shrinks\) stays/);
  const kept = () => page.evaluate(() => JSON.parse(localStorage.getItem('unrolled-lessons'))['1'].answered.back);
  assert.equal((await kept()).choice, 'shrink');
  await box.locator('.choice[data-choice="grow"]').click();
  await box.locator('.verdict').waitFor();
  assert.equal(await box.locator('.verdict').textContent(), 'Not quite: the answer is it shrinks.');
  const now = await kept();
  assert.deepEqual([now.choice, now.truth, now.right], ['grow', 'shrink', false]);
  assert.match(now.asked, /^Going back from step 11 to step 0, will the gradient/);
  // A kept answer to a question that has changed since is not shown as its answer.
  await page.evaluate(() => {
    const all = JSON.parse(localStorage.getItem('unrolled-lessons'));
    all['1'].answered.back.asked = 'An older wording of the question?';
    localStorage.setItem('unrolled-lessons', JSON.stringify(all));
  });
  await open(c, LESSON1, page);
  assert.equal(await box.locator('.verdict').count(), 0);
  assert.equal(await box.locator('.choice[data-choice="grow"]').isDisabled(), false);
  assert.match(await box.locator('.status').textContent(), /question has changed since your earlier answer/);
  // An answer kept by the earlier version (choice and right only) still shows its verdict.
  await page.evaluate(() => localStorage.setItem('unrolled-lessons', JSON.stringify({ 1: { answered: { back: { choice: 'shrink', right: true } } } })));
  await open(c, LESSON1, page);
  assert.equal(await box.locator('.verdict').textContent(), 'Right: it shrinks.');
  assert.equal(await box.locator('.why').count(), 0);
  assert.deepEqual(errors, []);
});

test('MathML is set in a math font installed on this machine (DejaVu Math TeX Gyre), not a web font', async () => {
  const { page, requests } = await open(await context(), LESSON1);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: 'math[display=block] mi' });
  assert.ok(nodeIds.length > 5);
  const families = new Set();
  for (const nodeId of nodeIds.slice(0, 6)) {
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    for (const f of fonts) families.add(f.familyName);
  }
  assert.deepEqual([...families], ['DejaVu Math TeX Gyre']);
  assert.deepEqual(requests.filter((u) => /\.(woff2?|ttf|otf)(\?|$)/.test(u)), [], 'no font downloaded');
});

/** The chain element's step, and the ‖h_t‖ its picture's label says (forward phase). */
const chainShows = (page) => page.evaluate(async () => {
  const el = document.getElementById('chain');
  await el.settled();
  const label = el.shadowRoot.getElementById('chain').getAttribute('aria-label');
  return { t: el.session.state.t, h: Number(label.match(/‖h_t‖ = (\d+(?:\.\d+)?)/)[1]), label };
});

test('lesson 1: the chain steps with ← → Home End on its picture and buttons; the state stays as the text says', async () => {
  const { page, errors } = await open(await context(), LESSON1);
  const canvas = page.locator('#chain canvas#chain');
  await canvas.focus();
  assert.equal(await canvas.getAttribute('tabindex'), '0');
  const y = await page.evaluate(() => window.scrollY);
  assert.equal((await chainShows(page)).t, 11);
  await page.keyboard.press('ArrowLeft');
  assert.equal((await chainShows(page)).t, 10);
  await page.keyboard.press('Home');
  assert.equal((await chainShows(page)).t, 0);
  // The claim "stays": after the pulse, ‖h_t‖ as the picture says it, step by step.
  const shown = [];
  for (let t = 1; t <= 11; t += 1) {
    await page.keyboard.press('ArrowRight');
    const s = await chainShows(page);
    assert.equal(s.t, t);
    shown.push(s.h);
  }
  assert.ok(shown.every((h) => h >= 0.25 && h <= 0.35), `‖h_t‖ for t = 1…11: ${shown}`);
  const text = await page.locator('.claim[data-claim="stays"]').textContent();
  assert.match(text, /between 0\.25 and 0\.35/);
  const x = await page.evaluate(() => [...document.getElementById('chain').session.data.cells[0].series.input]);
  assert.deepEqual(x, [1, ...Array(11).fill(0)], 'a pulse at step 0, zeros after');
  await page.keyboard.press('Home');
  // The step buttons take ← → too (space there presses the button).
  await page.locator('#chain #next').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal((await chainShows(page)).t, 2);
  await page.keyboard.press('End');
  assert.equal((await chainShows(page)).t, 11);
  await page.locator('#chain #prev').focus();
  await page.keyboard.press('ArrowLeft');
  assert.equal((await chainShows(page)).t, 10);
  assert.equal(await page.evaluate(() => window.scrollY), y, 'the keys do not scroll the page');
  assert.deepEqual(errors, []);
});

/** A number as `num` writes it: `0.2465`, `2310`, `1.068 × 10⁻⁴`. */
const NUM = String.raw`\d+(?:\.\d+)?(?: × 10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?`;
const SUPER = { '⁻': '-', '⁰': 0, '¹': 1, '²': 2, '³': 3, '⁴': 4, '⁵': 5, '⁶': 6, '⁷': 7, '⁸': 8, '⁹': 9 };
function value(text) {
  const [m, e] = text.split(' × 10');
  return Number(m) * 10 ** (e ? Number([...e].map((c) => SUPER[c]).join('')) : 0);
}
/** Half a unit in the last significant digit `text` shows (`2310`: 3 digits, a unit is 10). */
function halfUlp(text) {
  const [m, e] = text.split(' × 10');
  const unit = m.includes('.') ? 10 ** -m.split('.')[1].length : 10 ** m.match(/0*$/)[0].length;
  return 0.5 * unit * (e ? value(`1 × 10${e}`) : 1);
}

test('lesson 1: halving ρ, the explanation\'s arithmetic is the widget\'s and multiplies out as written', async () => {
  const { page, errors } = await open(await context(), LESSON1);
  await page.locator('.predict[data-predict="back"] .choice[data-choice="shrink"]').click();
  const box = page.locator('.predict[data-predict="halve"]');
  await box.locator('.choice[data-choice="less"]').click();
  await box.locator('.verdict').waitFor();
  assert.equal(await box.locator('.verdict').textContent(), 'Right: less.');
  const html = (await box.locator('.why').innerHTML()).replace(/<\/?span[^>]*>/g, '');
  assert.match(html, /Halving ρ divides what reaches step 0 by 2<sup>11<\/sup> = 2048/);
  // "a × b = c" as shown: the product of the numbers shown is the number shown, to its last digit.
  const products = [...html.matchAll(new RegExp(`(?<=[\\s(]|^)(${NUM}) × (${NUM}) = (${NUM})`, 'g'))];
  assert.equal(products.length, 3, html);
  for (const [, a, b, c] of products) {
    assert.ok(Math.abs(value(a) * value(b) - value(c)) <= halfUlp(c) * 1.001, `${a} × ${b} = ${c}`);
  }
  // the powers are ρ¹¹, and W_hh is ρ times a rotation (every singular value is ρ) at both settings
  const [p09, p045] = [products[0][1], products[1][1]];
  assert.ok(Math.abs(value(p09) - 0.9 ** 11) <= halfUlp(p09));
  assert.ok(Math.abs(value(p045) - 0.45 ** 11) <= halfUlp(p045));
  for (const rho of [0.9, 0.45]) {
    const sv = await page.evaluate(async (r) => {
      const el = document.getElementById('flow');
      el.applyConfig(`cells=rnn_tanh&H=4&T=12&rho=${r}`);
      await el.settled();
      return [...el.session.data.sv];
    }, rho);
    assert.ok(sv.every((s) => Math.abs(s - rho) < 1e-9), `ρ = ${rho}: singular values ${sv}`);
  }
  assert.deepEqual(errors, []);
});

test('lesson 1 and 2: what answers a question waits for it (the flow chart, the non-normal lab)', async () => {
  const c = await context();
  for (const [href, id, lab] of [[LESSON1, 'back', 'flow'], [LESSON2, 'hump', 'nonnormal']]) {
    const { page, errors } = await open(c, href);
    assert.equal(await page.locator(`unrolled-lab#${lab}`).isVisible(), false, `${href}: #${lab} before ${id}`);
    const before = await page.locator('main').innerText();
    const asked = before.slice(0, before.indexOf(await page.locator(`.predict[data-predict="${id}"] p`).first().innerText()));
    assert.doesNotMatch(asked, id === 'hump' ? /hump|larger than at lag 0|more than 3 times/ : /about a quarter|× the gradient/, `${href}: the text before ${id}`);
    const truth = await page.evaluate((x) => window.__lesson.answerOf(x), id);
    await page.locator(`.predict[data-predict="${id}"] .choice[data-choice="${truth}"]`).click();
    await page.locator(`.predict[data-predict="${id}"] .verdict`).waitFor();
    assert.equal(await page.locator(`unrolled-lab#${lab}`).isVisible(), true, `${href}: #${lab} after ${id}`);
    assert.deepEqual(errors, []);
  }
});

test('lesson 2: the saturate explanation says what the flow chart\'s note says (tanh′, growth per step)', async () => {
  const { page, errors } = await open(await context(), LESSON2);
  const box = page.locator('.predict[data-predict="saturate"]');
  await box.locator('.choice[data-choice="less"]').click();
  await box.locator('.verdict').waitFor();
  assert.equal(await box.locator('.verdict').textContent(), 'Right: far less.');
  const why = await box.locator('.why').textContent();
  const note = await page.evaluate(() => document.getElementById('flow').shadowRoot.querySelector('#panel-flow').innerText);
  const slope = (t) => t.match(/averages (\d\.\d+)/)?.[1];
  const growth = (t) => t.match(/×(\d\.\d+) per step/)?.[1];
  assert.ok(slope(why) && growth(why), why);
  assert.equal(slope(why), slope(note), `tanh′: "${why}" / "${note}"`);
  assert.equal(growth(why), growth(note), 'growth per step');
  assert.ok(Number(slope(why)) > 0.5, 'not "tanh′ ≈ 0"');
  assert.doesNotMatch(why, /near ±1, where tanh′ is small/);
  // the claim after it, on the same numbers
  const r = await page.evaluate(() => window.__lesson.check('saturates'));
  assert.equal(r.holds, true, r.says);
  assert.deepEqual(errors, []);
});

test('screenshots: lessons 1 and 2, answered, at 1280×720, 390×844 and 1280×720 at 150 % zoom; axe-core clean answered', async () => {
  const views = [['1280x720', { width: 1280, height: 720 }, 1], ['390x844', { width: 390, height: 844 }, 1], ['projected-150', { width: 853, height: 480 }, 1.5]];
  for (const [name, viewport, scale] of views) {
    const c = await context(viewport, scale);
    for (const [n, href] of [[1, LESSON1], [2, LESSON2]]) {
      const { page, errors } = await open(c, href);
      for (const id of await page.evaluate(() => window.__lesson.predictions)) {
        const truth = await page.evaluate((x) => window.__lesson.answerOf(x), id);
        await page.locator(`.predict[data-predict="${id}"] .choice[data-choice="${truth}"]`).click();
        await page.locator(`.predict[data-predict="${id}"] .verdict`).waitFor();
      }
      await page.evaluate(async () => { await Promise.all([...document.querySelectorAll('unrolled-lab')].map((e) => e.settled())); });
      await page.screenshot({ path: path.join(ROOT, `e2e/screenshots/lesson-${n}-${name}.png`), fullPage: true });
      // answered: the verdicts and their buttons keep axe-core clean too
      await page.addScriptTag({ path: AXE });
      const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.length}`);
      assert.deepEqual(bad, [], `${href} answered, at ${name}`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= viewport.width, `${href}: ${wide} px wide at ${name}`);
      assert.deepEqual(errors, [], `${href} at ${name}`);
      await page.close();
    }
  }
});
