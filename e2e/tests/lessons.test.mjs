// The lessons (www/lessons/): every lesson renders its widgets with no console error and no
// request outside the site; every claim's demonstrating setting shows what the text says (the
// claim's test, read from the widget's numbers); every predict-then-check can be answered and
// revealed, says right or wrong correctly (naming the answer as its button does), unhides the
// text that gives it away and is remembered on the course page; axe-core finds nothing serious
// and no two landmarks with one name; a phone viewport has no sideways scroll; projected
// (1280×720 at 150 % zoom) every lesson fits its width with no widget overlapping or cut off; a
// lesson opened once in a fresh browser works offline (lesson 5's classifier too, whose worker
// reads sentences), and so do the course page and a lesson opened from it.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, launch, record, startServer } from '../lib.mjs';

const AXE = path.join(ROOT, 'e2e/node_modules/axe-core/axe.min.js');
let server;
let browser;
const contexts = [];
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  server?.close();
});

async function context(viewport = { width: 1280, height: 720 }) {
  const c = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  contexts.push(c);
  c.setDefaultTimeout(60000);
  return c;
}

/** The lesson pages, as the course page links them. */
async function lessonPages() {
  const page = await (await context()).newPage();
  await page.goto(`${server.url}lessons/index.html`);
  await page.waitForSelector('body[data-lesson-ready=true]');
  return page.$$eval('#lessons a', (as) => as.map((a) => a.getAttribute('href')));
}

const WIDGETS = 'unrolled-lab, unrolled-train, unrolled-classify';

/** Waits until every widget element of the lesson has started and drawn. */
const widgetsReady = (page) => page.waitForFunction((q) => [...document.querySelectorAll(q)].every((e) => e.dataset.ready === 'true'), WIDGETS);

async function openLesson(c, href) {
  const page = await c.newPage();
  const seen = record(page);
  await page.goto(`${server.url}lessons/${href}`);
  await page.waitForSelector('body[data-lesson-ready=true]');
  await widgetsReady(page);
  return { page, ...seen };
}

test('the course page lists the lessons, and the lab and the training view link to it', async () => {
  const pages = await lessonPages();
  assert.deepEqual(pages, ['1-recurrent-neuron.html', '2-vanishing-exploding.html', '3-lstm.html', '4-gru.html', '5-classifier.html']);
  const page = await (await context()).newPage();
  await page.goto(`${server.url}index.html`);
  assert.equal(await page.getAttribute('.top-nav a[href="lessons/index.html"]', 'href'), 'lessons/index.html');
});

test('every claim in every lesson holds on its widget, with the setting the lesson gives', async () => {
  const c = await context();
  for (const href of await lessonPages()) {
    const { page, errors, requests } = await openLesson(c, href);
    const claims = await page.evaluate(() => window.__lesson.claims);
    assert.ok(claims.length >= 2, `${href}: claims`);
    assert.equal(await page.locator('.claim').count(), claims.length, `${href}: each claim once in the text`);
    for (const id of claims) {
      const r = await page.evaluate((x) => window.__lesson.check(x), id);
      assert.equal(r.holds, true, `${href} claim ${id}: ${r.says}`);
    }
    // "Show me" (where one is in view: some wait behind a prediction) sets the widget and says the number.
    const show = page.locator('.show-me:visible');
    if (await show.count()) {
      await show.first().click();
      await page.waitForFunction(() => [...document.querySelectorAll('.shown')].some((s) => s.textContent.length > 0));
    }
    assert.deepEqual(errors, [], href);
    const origin = new URL(server.url).origin;
    assert.deepEqual(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:')), [], `${href}: requests outside the site`);
  }
});

test('every prediction can be made and revealed, is judged by the widget, and is remembered', async () => {
  const c = await context();
  for (const href of await lessonPages()) {
    const { page, errors } = await openLesson(c, href);
    const ids = await page.evaluate(() => window.__lesson.predictions);
    assert.ok(ids.length >= 1, `${href}: predictions`);
    for (const [i, id] of ids.entries()) {
      const box = page.locator(`.predict[data-predict="${id}"]`);
      const after = page.locator(`[data-after="${id}"]`);
      if (await after.count()) assert.equal(await after.first().isVisible(), false, `${href} ${id}: the answer waits`);
      const truth = await page.evaluate((x) => window.__lesson.answerOf(x), id);
      // Alternate right and wrong guesses so both verdicts are checked.
      const choices = await box.locator('.choice').evaluateAll((bs) => bs.map((b) => b.dataset.choice));
      const guess = i % 2 === 0 ? truth : choices.find((x) => x !== truth);
      await box.locator(`.choice[data-choice="${guess}"]`).click();
      await box.locator('.verdict').waitFor();
      const verdict = await box.locator('.verdict').textContent();
      // The verdict names the answer as its button does ("the RNN tanh", not "the tanh rnn").
      const labels = Object.fromEntries(await box.locator('.choice').evaluateAll((bs) => bs.map((b) => [b.dataset.choice, b.textContent])));
      const said = labels[truth].replace(/^[A-Z](?=[a-z\s]|$)/, (x) => x.toLowerCase());
      assert.equal(verdict, guess === truth ? `Right: ${said}.` : `Not quite: the answer is ${said}.`, `${href} ${id}`);
      // A cell is named from the core's table of cells, as the widgets name it.
      if (href === '3-lstm.html' && id === 'untrained') assert.deepEqual(labels, { lstm: 'The LSTM', rnn: 'The RNN tanh' }, href);
      assert.ok((await box.locator('.reveal p').nth(1).textContent()).length > 20, `${href} ${id}: explained`);
      if (await after.count()) assert.equal(await after.first().isVisible(), true, `${href} ${id}: the answer shows`);
    }
    assert.deepEqual(errors, [], href);
  }
  const index = await c.newPage();
  await index.goto(`${server.url}lessons/index.html`);
  await index.waitForSelector('body[data-lesson-ready=true]');
  assert.match(await index.textContent('#lessons'), /2 of 2 predictions made, 1 right[^]*3 of 3 predictions made, 2 right[^]*2 of 2 predictions made, 1 right[^]*2 of 2 predictions made, 1 right[^]*6 of 6 predictions made, 3 right/);
});

test('<unrolled-classify> in lesson 5: panels shows what it names; a new sentence keeps the trained model, a new shape starts afresh', async () => {
  const { page, errors } = await openLesson(await context(), '5-classifier.html');
  const shown = (id) => page.evaluate((x) => [...document.getElementById(x).shadowRoot.querySelectorAll('.panel')].filter((p) => p.checkVisibility()).map((p) => p.id), id);
  assert.deepEqual(await shown('reader'), ['panel-cls-sentence']);
  assert.deepEqual(await shown('packing'), ['panel-train-transport', 'panel-cls-packing']);
  assert.deepEqual(await shown('trained'), ['panel-train-transport', 'panel-cls-loss', 'panel-cls-accuracy', 'panel-cls-sentence']);
  const at = () => page.evaluate(async () => {
    const el = document.getElementById('packing');
    await el.settled();
    return { iteration: await el.session.iteration(), rows: el.classifier.mounted.get('cls-packing').shown.batch.rows[0].tokens.join(' ') };
  });
  await page.evaluate(() => document.getElementById('packing').trainTo(50));
  assert.equal((await at()).iteration, 50);
  await page.evaluate(() => document.getElementById('packing').setAttribute('config', 'E=16&H=16&budget=30&text=Not%20bad%20at%20all'));
  assert.deepEqual(await at(), { iteration: 50, rows: 'not bad at all' }, 'a new sentence: the same model reads it');
  await page.evaluate(() => document.getElementById('packing').setAttribute('config', 'E=8&H=16&budget=30&text=Not%20bad%20at%20all'));
  assert.equal((await at()).iteration, 0, 'a new embedding width: a new, untrained model');
  // trainTo refuses what it cannot reach exactly
  const bad = await page.evaluate(() => document.getElementById('packing').trainTo(30).then(() => 'ok', (e) => e.message));
  assert.match(bad, /trainTo: expected a multiple of 25, got 30/);
  assert.deepEqual(errors, []);
});

test('lesson 5, “I expected to hate it, but I did not!”: the explanation says what the saliency row shows, with the widget\'s caveat', async () => {
  const { page, errors } = await openLesson(await context(), '5-classifier.html');
  const box = page.locator('.predict[data-predict=expected]');
  await box.locator('.choice').first().click();
  await box.locator('.verdict').waitFor({ timeout: 120000 });
  const why = await box.locator('.why').textContent();
  // The widget's own numbers: the word of largest |saliency|, and those of "hate" and "not".
  const shown = await page.evaluate(() => {
    const s = document.getElementById('trained').classifier.mounted.get('cls-sentence').shown;
    const k = s.x.saliency.reduce((b, v, i, a) => (Math.abs(v) > Math.abs(a[b]) ? i : b), 0);
    const at = (w) => s.x.saliency[s.enc.tokens.indexOf(w)];
    return { top: s.enc.tokens[k], s: s.x.saliency[k], hate: at('hate'), not: at('not') };
  });
  const n = (x) => String(Number(x.toPrecision(3))).replace('-', '\u2212'); // the minus sign, as every number in the text
  assert.doesNotMatch(why, /(^|[\s(])-\d/, 'no hyphen for a minus (issue 11: "-0.48")');
  assert.ok(why.includes(`In the saliency row the largest |st| is at “${shown.top}” (${n(shown.s)}); “hate” ${n(shown.hate)}, “not” ${n(shown.not)}`), why);
  assert.match(why, /Saliency is gradient × input: it measures how a small nudge of a word's embedding moves the log-odds of the prediction, not what removing the word would do, and not what the model “understands”\./);
  assert.doesNotMatch(why, /must link/, 'no claim about what the model must do that the widget does not show');
  assert.deepEqual(errors, []);
});

test('every lesson keeps a percentage with its sign (a no-break space: "95 %" never breaks on a phone) and fills every fact it takes from the core', async () => {
  const c = await context({ width: 390, height: 844 });
  for (const href of await lessonPages()) {
    const { page, errors } = await openLesson(c, href);
    const text = await page.evaluate(() => {
      document.querySelectorAll('[hidden]').forEach((e) => { e.hidden = false; }); // the text that waits for an answer too
      return document.querySelector('main').textContent;
    });
    assert.doesNotMatch(text, /\d[ \t\n]+%/, `${href}: a number and its % on one line`);
    const empty = await page.$$eval('[data-core], [data-cell]', (es) => es.filter((e) => !e.textContent.trim()).length);
    assert.equal(empty, 0, `${href}: every [data-core] and [data-cell] is filled`);
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('axe-core: no serious or critical violations in any lesson, and landmarks told apart, desktop and phone', async () => {
  for (const viewport of [{ width: 1280, height: 720 }, { width: 390, height: 844 }]) {
    const c = await context(viewport);
    for (const href of ['index.html', ...await lessonPages()]) {
      const page = await c.newPage();
      await page.goto(`${server.url}lessons/${href}`);
      await page.waitForSelector('body[data-lesson-ready=true]');
      await widgetsReady(page);
      await page.addScriptTag({ path: AXE });
      const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      // Also landmark-unique (moderate): several widgets on a page name their landmarks apart.
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'landmark-unique')
        .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      assert.deepEqual(bad, [], `${href} at ${viewport.width}×${viewport.height}`);
      if (href === '5-classifier.html') await page.screenshot({ path: path.join(ROOT, `e2e/screenshots/lesson-5-${viewport.width}x${viewport.height}.png`), fullPage: true });
      if (viewport.width < 500) {
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(wide <= viewport.width, `${href}: ${wide} px wide on a ${viewport.width} px phone`);
      }
    }
  }
});

test('projected: every lesson at 1280×720 with 150 % zoom fits, with no widget overlapping or cut off', async () => {
  // 150 % zoom of a 1280×720 screen is a 853×480 CSS-pixel viewport at 1.5 device pixels per pixel.
  const c = await browser.newContext({ viewport: { width: 853, height: 480 }, deviceScaleFactor: 1.5 });
  contexts.push(c);
  c.setDefaultTimeout(60000);
  for (const href of ['index.html', ...await lessonPages()]) {
    const page = await c.newPage();
    const { errors } = record(page);
    await page.goto(`${server.url}lessons/${href}`);
    await page.waitForSelector('body[data-lesson-ready=true]');
    await widgetsReady(page);
    // Everything the page holds, also what waits for an answer (some widgets do).
    await page.evaluate(() => document.querySelectorAll('[data-after]').forEach((e) => { e.hidden = false; }));
    await page.evaluate(async (q) => { await Promise.all([...document.querySelectorAll(q)].map((e) => e.settled?.())); }, WIDGETS);
    const problems = await page.evaluate((q) => {
      const out = [];
      const vw = window.innerWidth;
      if (document.documentElement.scrollWidth > vw) out.push(`the page is ${document.documentElement.scrollWidth} px wide`);
      const name = (e) => `${e.localName}${e.id ? `#${e.id}` : ''}${e.className && typeof e.className === 'string' ? `.${e.className.split(' ')[0]}` : ''}`;
      // The running text and the widgets in it: inside the screen's width, one after another.
      const blocks = [...document.querySelectorAll('main > *, .lesson-nav')].filter((e) => e.checkVisibility());
      blocks.forEach((e, k) => {
        const r = e.getBoundingClientRect();
        if (r.left < -1 || r.right > vw + 1) out.push(`${name(e)} spans ${Math.round(r.left)}–${Math.round(r.right)} px`);
        const prev = blocks[k - 1]?.getBoundingClientRect();
        if (prev && r.top < prev.bottom - 1) out.push(`${name(e)} overlaps ${name(blocks[k - 1])} by ${Math.round(prev.bottom - r.top)} px`);
      });
      // Inside each widget: every panel shown within the element, none over another, none with
      // content wider than itself (what must scroll sideways scrolls inside it), no tiny text.
      for (const el of document.querySelectorAll(q)) {
        const box = el.getBoundingClientRect();
        const panels = [...el.shadowRoot.querySelectorAll('.panel')].filter((p) => p.checkVisibility());
        if (!panels.length) out.push(`${name(el)} shows no panel`);
        panels.forEach((p, k) => {
          const r = p.getBoundingClientRect();
          if (r.left < box.left - 1 || r.right > box.right + 1) out.push(`${name(el)} ${p.id} sticks out of its element`);
          if (p.scrollWidth > p.clientWidth + 1) out.push(`${name(el)} ${p.id}: content ${p.scrollWidth} px in ${p.clientWidth} px`);
          for (const o of panels.slice(k + 1)) {
            const s = o.getBoundingClientRect();
            const w = Math.min(r.right, s.right) - Math.max(r.left, s.left);
            const h = Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top);
            if (w > 1 && h > 1) out.push(`${name(el)} ${p.id} overlaps ${o.id}`);
          }
        });
        const tiny = [...el.shadowRoot.querySelectorAll('label, .caption, .hint, button, h2, h3')]
          .filter((e) => e.checkVisibility() && parseFloat(getComputedStyle(e).fontSize) < 11);
        if (tiny.length) out.push(`${name(el)}: ${tiny.length} labels under 11 px`);
      }
      return out;
    }, WIDGETS);
    assert.deepEqual(problems, [], `${href} at 853×480 (150 % of 1280×720)`);
    if (href === '5-classifier.html') await page.screenshot({ path: path.join(ROOT, 'e2e/screenshots/lesson-5-projected-150.png'), fullPage: true });
    assert.deepEqual(errors, [], href);
    await page.close();
  }
});

/** Cuts the network of context `c`, reloads `page` (a lesson) and checks that it still works:
 *  it loads, its widgets start, nothing new can be fetched, and claim `claim` holds on the
 *  widget's numbers (so the widget computes, with its worker). */
async function worksOffline(c, page, claim) {
  await c.setOffline(true);
  await page.reload();
  await page.waitForSelector('body[data-lesson-ready=true]');
  await widgetsReady(page);
  assert.equal(await page.evaluate(() => fetch(`never-loaded-${Date.now()}.txt`).then(() => 'online', () => 'offline')), 'offline');
  const r = await page.evaluate((x) => window.__lesson.check(x), claim);
  assert.equal(r.holds, true, `${page.url()} offline: the widget still computes (with its worker): ${r.says}`);
}

// One load only, in a fresh browser: the page that registers the service worker is the one
// that must work offline (nothing is reloaded online first).
test('a lesson opened once works offline', async () => {
  const pages = await lessonPages();
  for (const [n, claim] of [[1, 'below'], [4, 'coin']]) {
    const c = await context();
    const page = await c.newPage();
    await page.goto(`${server.url}lessons/${pages[n]}`);
    await page.waitForSelector('body[data-offline-ready=true]');
    assert.match(await page.textContent('.offline-note'), /works offline/);
    await worksOffline(c, page, claim);
    await c.setOffline(false);
  }
});

test('the course page, then a lesson opened from it, work offline', async () => {
  const c = await context();
  const page = await c.newPage();
  await page.goto(`${server.url}lessons/index.html`);
  await page.waitForSelector('body[data-offline-ready=true]');
  await page.click('#lessons a[href="2-vanishing-exploding.html"]');
  await page.waitForSelector('body[data-lesson-ready=true]');
  await page.waitForSelector('body[data-offline-ready=true]');
  await worksOffline(c, page, 'below');
  await page.goto(`${server.url}lessons/index.html`);
  await page.waitForSelector('body[data-lesson-ready=true]');
  assert.deepEqual(await page.$$eval('#lessons a', (as) => as.length), 5, 'the course page offline');
  await c.setOffline(false);
});
