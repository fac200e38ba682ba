// Phone, lessons 3 and 4: a display equation wider than the column scrolls sideways, and says so
// with a shadow at each edge that has more of it beyond (www/lessons/lesson.css). It once showed
// glyphs cut mid-symbol at the right edge and nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setup } from './helpers.mjs';

const env = setup();

/**
 * Share of the pixels, in the 3-px strip inside each side edge of `math`, that are not white: a
 * shadow covers its strip from top to bottom, glyphs crossing an edge only a few rows.
 */
async function edges(page, math) {
  const r = await math.evaluate((m) => { const b = m.getBoundingClientRect(); return { x: b.left, y: b.top, w: b.width, h: b.height }; });
  const shot = async (x) => (await page.screenshot({ clip: { x, y: r.y, width: 3, height: r.h } })).toString('base64');
  const [left, right] = [await shot(r.x), await shot(r.x + r.w - 3)];
  return page.evaluate(async (pngs) => Promise.all(pngs.map(async (b64) => {
    const img = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
    const c = new OffscreenCanvas(img.width, img.height);
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, img.width, img.height).data;
    let tinted = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] < 3 * 250) tinted += 1;
    return tinted / (px.length / 4);
  })), [left, right]);
}

for (const lesson of ['3-lstm.html', '4-gru.html']) {
  test(`phone, ${lesson}: a wide display equation shows where it scrolls`, async () => {
    const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    env.contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${env.server.url}lessons/${lesson}`);
    await page.waitForSelector('body[data-lesson-ready=true]', { timeout: 20000 });
    const index = await page.evaluate(() => [...document.querySelectorAll('math[display=block]')].findIndex((m) => m.scrollWidth > m.clientWidth + 1));
    assert.ok(index >= 0, 'a display equation wider than the phone column');
    const math = page.locator('math[display=block]').nth(index);
    await math.scrollIntoViewIfNeeded();
    const [startL, startR] = await edges(page, math);
    assert.ok(startR > 0.9, `at the start, the right edge (more beyond) is shaded: ${startR}`);
    assert.ok(startL < 0.5, `at the start, the left edge (nothing before) is not: ${startL}`);
    await math.evaluate((m) => { m.scrollLeft = m.scrollWidth; });
    const [endL, endR] = await edges(page, math);
    assert.ok(endL > 0.9, `scrolled to the end, the left edge is shaded: ${endL}`);
    assert.ok(endR < 0.5, `scrolled to the end, the right edge is not: ${endR}`);
  });
}
