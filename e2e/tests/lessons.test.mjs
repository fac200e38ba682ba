// The lessons (www/lessons/): every lesson renders its widgets with no console error and no
// request outside the site; every claim's demonstrating setting shows what the text says (the
// claim's test, read from the widget's numbers); every predict-then-check can be answered and
// revealed, says right or wrong correctly, unhides the text that gives it away and is remembered
// on the course page; axe-core finds nothing serious; a phone viewport has no sideways scroll;
// a lesson opened once works offline.
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

async function openLesson(c, href) {
  const page = await c.newPage();
  const seen = record(page);
  await page.goto(`${server.url}lessons/${href}`);
  await page.waitForSelector('body[data-lesson-ready=true]');
  await page.waitForFunction(() => [...document.querySelectorAll('unrolled-lab, unrolled-train')].every((e) => e.dataset.ready === 'true'));
  return { page, ...seen };
}

test('the course page lists the lessons, and the lab and the training view link to it', async () => {
  const pages = await lessonPages();
  assert.deepEqual(pages, ['1-recurrent-neuron.html', '2-vanishing-exploding.html', '3-lstm.html', '4-gru.html']);
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
      assert.match(verdict, guess === truth ? /^Right/ : /^Not quite/, `${href} ${id}`);
      assert.ok((await box.locator('.reveal p').nth(1).textContent()).length > 20, `${href} ${id}: explained`);
      if (await after.count()) assert.equal(await after.first().isVisible(), true, `${href} ${id}: the answer shows`);
    }
    assert.deepEqual(errors, [], href);
  }
  const index = await c.newPage();
  await index.goto(`${server.url}lessons/index.html`);
  await index.waitForSelector('body[data-lesson-ready=true]');
  assert.match(await index.textContent('#lessons'), /2 of 2 predictions made, 1 right[^]*3 of 3 predictions made, 2 right[^]*1 of 1 predictions made, 1 right[^]*1 of 1 predictions made, 1 right/);
});

test('axe-core: no serious or critical violations in any lesson, desktop and phone', async () => {
  for (const viewport of [{ width: 1280, height: 720 }, { width: 390, height: 844 }]) {
    const c = await context(viewport);
    for (const href of ['index.html', ...await lessonPages()]) {
      const page = await c.newPage();
      await page.goto(`${server.url}lessons/${href}`);
      await page.waitForSelector('body[data-lesson-ready=true]');
      await page.waitForFunction(() => [...document.querySelectorAll('unrolled-lab')].every((e) => e.dataset.ready === 'true'));
      await page.addScriptTag({ path: AXE });
      const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      assert.deepEqual(bad, [], `${href} at ${viewport.width}×${viewport.height}`);
      if (viewport.width < 500) {
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(wide <= viewport.width, `${href}: ${wide} px wide on a ${viewport.width} px phone`);
      }
    }
  }
});

test('a lesson opened once works offline', async () => {
  const c = await context();
  const href = (await lessonPages())[1];
  const { page } = await openLesson(c, href);
  await page.evaluate(() => navigator.serviceWorker.ready);
  // The first load registered the worker; a second load goes through it and fills its cache.
  await page.reload();
  await page.waitForSelector('body[data-lesson-ready=true]');
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await page.waitForFunction(() => [...document.querySelectorAll('unrolled-lab')].every((e) => e.dataset.ready === 'true'));
  await c.setOffline(true);
  await page.reload();
  await page.waitForSelector('body[data-lesson-ready=true]');
  await page.waitForFunction(() => [...document.querySelectorAll('unrolled-lab')].every((e) => e.dataset.ready === 'true'));
  assert.equal(await page.evaluate(() => fetch(`never-loaded-${Date.now()}.txt`).then(() => 'online', () => 'offline')), 'offline');
  const r = await page.evaluate((x) => window.__lesson.check(x), 'below');
  assert.equal(r.holds, true, 'offline, the widget still computes (with its worker)');
  await c.setOffline(false);
});
