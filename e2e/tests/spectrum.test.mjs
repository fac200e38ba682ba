// The eigenvalue editor on #spectrum: drag with the mouse, select and move with the keyboard,
// and the per-eigenvalue sliders for small H.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoErrors, changed, hashParams, keys, setup, settle, snap, state } from './helpers.mjs';

const env = setup();

/** Page coordinates of eigenvalue k, from the page's own mapping of the plot. */
async function eigPixel(page, k) {
  return page.evaluate((k) => {
    const u = window.__unrolled;
    const r = u.spectrumRect;
    const box = document.getElementById('spectrum').getBoundingClientRect();
    const [re, im] = u.state.eigs ? u.state.eigs[k] : [u.data.eig[2 * k], u.data.eig[2 * k + 1]];
    return {
      x: box.left + r.x + ((re + r.lim) / (2 * r.lim)) * r.width,
      y: box.top + r.y + ((r.lim - im) / (2 * r.lim)) * r.height,
      pxPerUnit: r.width / (2 * r.lim),
      re, im,
    };
  }, k);
}

/** True if the computed spectrum holds re ± i·im (within tol). */
const hasEig = (eig, re, im, tol = 1e-6) => {
  for (let i = 0; i < eig.length; i += 2) if (Math.abs(eig[i] - re) < tol && Math.abs(eig[i + 1] - im) < tol) return true;
  return false;
};

test('the page exposes the spectrum plot mapping', async () => {
  const { page } = await env.open();
  const r = await page.evaluate(() => window.__unrolled.spectrumRect);
  assert.ok(r && r.width > 50 && r.height > 50 && r.lim >= 1, JSON.stringify(r));
});

test('drag a complex eigenvalue with the mouse: it moves and its conjugate mirrors it', async () => {
  const { page, errors } = await env.open();
  // A complex eigenvalue in the upper half plane, well away from the real axis.
  const k = await page.evaluate(() => {
    const e = window.__unrolled.data.eig;
    let best = -1;
    for (let i = 0; i < e.length / 2; i += 1) if (e[2 * i + 1] > 0.4 && e[2 * i] > 0.2 && (best < 0 || e[2 * i + 1] > e[2 * best + 1])) best = i;
    return best;
  });
  assert.ok(k >= 0, 'no complex eigenvalue found');
  const p0 = await eigPixel(page, k);
  const before = await snap(page);
  const dx = 0.2 * p0.pxPerUnit;
  const dy = -0.15 * p0.pxPerUnit; // up: larger imaginary part
  await page.mouse.move(p0.x, p0.y);
  await page.mouse.down();
  await page.mouse.move(p0.x + dx / 2, p0.y + dy / 2, { steps: 3 });
  await page.mouse.move(p0.x + dx, p0.y + dy, { steps: 3 });
  await page.mouse.up();
  await settle(page);
  const s = await state(page);
  assert.equal(s.sel, k);
  assert.equal(s.scale, 'none');
  const [re, im] = s.eigs[k];
  assert.ok(Math.abs(re - (p0.re + 0.2)) < 0.02, `re ${re} vs ${p0.re + 0.2}`);
  assert.ok(Math.abs(im - (p0.im + 0.15)) < 0.02, `im ${im} vs ${p0.im + 0.15}`);
  const partners = s.eigs.filter(([r2, i2], m) => m !== k && r2 === re && i2 === -im);
  assert.equal(partners.length, 1, 'the conjugate partner mirrors the dragged eigenvalue');
  const eig = await page.evaluate(() => [...window.__unrolled.data.eig]);
  assert.ok(hasEig(eig, re, im) && hasEig(eig, re, -im), 'the computed spectrum of W holds the new pair');
  assert.ok(changed(before, await snap(page)).includes('spectrum'));
  assert.match((await hashParams(page)).eigs, /:/);
  assertNoErrors(errors);
});

async function drag(page, from, dx, dy) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + dx * from.pxPerUnit, from.y - dy * from.pxPerUnit, { steps: 4 });
  await page.mouse.up();
  await settle(page);
}

test('drag a real eigenvalue along the axis: it stays real and moves', async () => {
  const { page, errors } = await env.open('H=5&init=gaussian&seed=3');
  const k = await page.evaluate(() => {
    const e = window.__unrolled.data.eig;
    for (let i = 0; i < e.length / 2; i += 1) if (e[2 * i + 1] === 0) return i;
    return -1;
  });
  assert.ok(k >= 0, 'no real eigenvalue with H = 5');
  const p0 = await eigPixel(page, k);
  await drag(page, p0, -0.3, 0);
  const [re, im] = (await state(page)).eigs[k];
  assert.equal(im, 0);
  assert.ok(Math.abs(re - (p0.re - 0.3)) < 0.02, `re ${re}`);
  assert.ok(hasEig(await page.evaluate(() => [...window.__unrolled.data.eig]), re, 0));
  assertNoErrors(errors);
});

test('pull a real eigenvalue off the axis: it pairs with its nearest real neighbour', async () => {
  const { page, errors } = await env.open('cells=rnn_linear&H=4&scale=none&eigs=0.1:0;0.5:0;0.9:0;0.3:0');
  const p0 = await eigPixel(page, 2); // 0.9
  await drag(page, p0, 0, 0.3);
  const eigs = (await state(page)).eigs;
  assert.ok(Math.abs(eigs[2][1] - 0.3) < 0.02, `im ${eigs[2][1]}`);
  const partners = eigs.filter(([r, i], m) => m !== 2 && r === eigs[2][0] && i === -eigs[2][1]);
  assert.equal(partners.length, 1, 'one real neighbour became the conjugate');
  assert.deepEqual(eigs[0], [0.1, 0], 'the far real eigenvalues stay');
  const eig = await page.evaluate(() => [...window.__unrolled.data.eig]);
  assert.ok(hasEig(eig, eigs[2][0], eigs[2][1]) && hasEig(eig, eigs[2][0], -eigs[2][1]));
  assertNoErrors(errors);
});

test('drop a complex pair on the axis: it becomes two real eigenvalues', async () => {
  const { page, errors } = await env.open('cells=rnn_linear&H=4&scale=none&eigs=0.5:0.4;0.5:-0.4;0.2:0;-0.3:0');
  const p0 = await eigPixel(page, 0);
  await drag(page, p0, 0.1, -0.4);
  const eigs = (await state(page)).eigs;
  assert.equal(eigs[0][1], 0);
  assert.equal(eigs[1][1], 0);
  assert.equal(eigs[0][0], eigs[1][0]);
  assertNoErrors(errors);
});

test('the eigenvalue you grab is the one that moves, also after earlier edits', async () => {
  // Regression: the drawn eigenvalues are sorted by modulus, the learner's list is not.
  const { page, errors } = await env.open('cells=rnn_linear&H=4&scale=none&eigs=0.1:0;0.5:0;0.9:0;0.3:0');
  for (const [k, dx] of [[2, 0.1], [0, -0.2], [3, 0.05]]) {
    const before = (await state(page)).eigs.map((e) => [...e]);
    const p0 = await eigPixel(page, k);
    await drag(page, p0, dx, 0);
    const after = (await state(page)).eigs;
    after.forEach(([r], m) => {
      if (m === k) assert.ok(Math.abs(r - (before[k][0] + dx)) < 0.02, `eig ${k}: ${r}`);
      else assert.equal(r, before[m][0], `eig ${m} must not move when ${k} is dragged`);
    });
  }
  assertNoErrors(errors);
});

test('a click away from every eigenvalue changes nothing', async () => {
  const { page } = await env.open();
  const r = await page.evaluate(() => {
    const b = document.getElementById('spectrum').getBoundingClientRect();
    const m = window.__unrolled.spectrumRect;
    return { x: b.left + m.x + m.width / 2, y: b.top + m.y + m.height / 2 }; // the origin; ρ = 0.9
  });
  await page.mouse.click(r.x, r.y);
  await settle(page);
  assert.equal((await state(page)).eigs, null);
});

test('keyboard: focus, n selects the next eigenvalue, arrows move it; the hash gets eigs=', async () => {
  const { page, errors } = await env.open();
  assert.equal((await hashParams(page)).eigs, undefined);
  await page.focus('#spectrum');
  await settle(page);
  assert.equal((await state(page)).sel, 0, 'focus selects the first eigenvalue');
  const label0 = await page.getAttribute('#spectrum', 'aria-label');
  // n/p go around the circle (their order is tested in friction.test.mjs): p undoes n.
  await keys(page, '#spectrum', 'n');
  const one = (await state(page)).sel;
  await keys(page, '#spectrum', 'n');
  assert.notEqual((await state(page)).sel, one);
  await keys(page, '#spectrum', 'p');
  const k = (await state(page)).sel;
  assert.equal(k, one);
  const e0 = await page.evaluate((i) => [window.__unrolled.data.eig[2 * i], window.__unrolled.data.eig[2 * i + 1]], k);
  await keys(page, '#spectrum', 'ArrowLeft', 'ArrowLeft', 'Shift+ArrowLeft');
  const s = await state(page);
  assert.equal(s.sel, k);
  assert.ok(Math.abs(s.eigs[k][0] - (e0[0] - 0.12)) <= 5e-5, `re ${s.eigs[k][0]} vs ${e0[0] - 0.12}`);
  assert.ok(Math.abs(s.eigs[k][1] - e0[1]) <= 5e-5, 'the link holds 4 decimals');
  const h = await hashParams(page);
  assert.equal(h.eigs.split(';').length, 32);
  assert.equal(h.sel, String(k));
  assert.notEqual(await page.getAttribute('#spectrum', 'aria-label'), label0);
  assert.match(await page.getAttribute('#spectrum', 'aria-label'), new RegExp(`Selected eigenvalue ${k + 1}:`), 'numbered from 1, like the λ sliders');
  // ← → on the spectrum move the eigenvalue, not the time step.
  assert.equal(s.t, 99);
  assertNoErrors(errors);
});

test('H ≤ 8: per-eigenvalue sliders exist and move eigenvalues; none for H > 8', async () => {
  const { page, errors } = await env.open();
  assert.equal(await page.locator('#eig-sliders input[type=range]').count(), 0);
  await keys(page, '#hidden', 'Home', 'ArrowRight', 'ArrowRight'); // H = 4
  assert.equal((await state(page)).H, 4);
  const sliders = page.locator('#eig-sliders input[type=range]');
  // one slider per real eigenvalue, two (re, im) per conjugate pair
  const eigs4 = await page.evaluate(() => [...window.__unrolled.data.eig]);
  const pairs = [1, 3, 5, 7].filter((i) => eigs4[i] > 1e-12).length;
  assert.equal(await sliders.count(), 4, `H = 4 with ${pairs} pair(s): ${eigs4}`);
  assert.ok(pairs >= 1, 'the orthogonal init gives at least one complex pair');
  for (const id of await sliders.evaluateAll((els) => els.map((e) => e.id))) {
    assert.ok(await page.locator(`label[for="${id}"]`).count(), `label for ${id}`);
  }
  const before = await snap(page);
  const id = (await page.locator('#eig-sliders input[id$="-im"]').first().getAttribute('id')).replace('-im', '-re');
  const k = Number(id.split('-')[1]);
  const v0 = Number(await page.inputValue(`#${id}`));
  await keys(page, `#${id}`, 'ArrowRight', 'ArrowRight', 'ArrowRight');
  const s = await state(page);
  assert.ok(Math.abs(s.eigs[k][0] - (v0 + 0.03)) < 1e-9, `re ${s.eigs[k][0]} vs ${v0 + 0.03}`);
  const eig = await page.evaluate(() => [...window.__unrolled.data.eig]);
  assert.ok(hasEig(eig, s.eigs[k][0], s.eigs[k][1]) && hasEig(eig, s.eigs[k][0], -s.eigs[k][1]));
  // the imaginary-part slider
  const imId = `eig-${k}-im`;
  assert.ok(await page.locator(`#${imId}`).count(), imId);
  const im0 = Number(await page.inputValue(`#${imId}`));
  await keys(page, `#${imId}`, 'ArrowLeft');
  assert.ok(Math.abs((await state(page)).eigs[k][1] - (im0 - 0.01)) < 1e-9);
  assert.match(await page.getAttribute(`#${imId}`, 'aria-valuetext'), /imaginary part ±/);
  assert.ok(changed(before, await snap(page)).includes('spectrum'));
  assertNoErrors(errors);
});
