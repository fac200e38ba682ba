// pkg/ is an npm package a teacher's site can install: `npm pack` it, install the tarball into an
// empty folder (offline: it has no dependencies), serve that folder with a plain static server,
// import the element from node_modules, and see it draw.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { isBlank, launch, record } from '../lib.mjs';
import { ROOT, assertNoErrors } from './helpers.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unrolled-npm-'));
let server;
let browser;
after(async () => {
  await browser?.close();
  server?.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });

test('npm pack pkg/, install the tarball into an empty site, import the element, it draws', async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'pkg/package.json'), 'utf8'));
  assert.equal(pkg.name, 'unrolled-lab');
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', tmp], path.join(ROOT, 'pkg')));
  const files = packed[0].files.map((f) => f.path);
  for (const f of ['unrolled-lab.js', 'unrolled-lab.css', 'unrolled.js', 'unrolled_bg.wasm', 'unrolled_relaxed_bg.wasm', 'js/wasm-build.js', 'js/session.js', 'js/widgets/index.js', 'README.md', 'package.json', 'unrolled-lab.d.ts', 'unrolled.d.ts', 'LICENSE-MIT', 'LICENSE-APACHE']) {
    assert.ok(files.includes(f), `${f} in the tarball (${files.join(', ')})`);
  }
  assert.ok(!files.includes('js/app.js'), 'the lab page script is not part of the package');

  const site = path.join(tmp, 'site');
  fs.mkdirSync(site);
  fs.writeFileSync(path.join(site, 'package.json'), '{"name": "a-lesson", "private": true}');
  npm(['install', '--offline', path.join(tmp, packed[0].filename)], site);
  fs.writeFileSync(path.join(site, 'index.html'), `<!doctype html><meta charset="utf-8"><title>A lesson</title>
<link rel="icon" href="data:,">
<script type="module" src="node_modules/unrolled-lab/unrolled-lab.js"></script>
<p>Some text.</p>
<unrolled-lab id="lab" config="cells=lstm,gru&T=40" panels="rho flow"></unrolled-lab>`);

  server = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', site], { stdio: ['ignore', 'pipe', 'pipe'] });
  const origin = await new Promise((resolve, reject) => {
    let buf = '';
    server.stdout.on('data', (d) => { buf += d; const m = buf.match(/port (\d+)/); if (m) resolve(`http://127.0.0.1:${m[1]}/`); });
    server.on('exit', (c) => reject(new Error(`http.server exited ${c}`)));
  });
  browser = await launch();
  const page = await browser.newPage();
  const { errors } = record(page);
  await page.goto(origin);
  await page.waitForFunction(() => document.getElementById('lab').dataset.ready === 'true', null, { timeout: 20000 });
  await page.evaluate(() => document.getElementById('lab').settled());
  assert.equal(await isBlank(page.locator('#lab').locator('#flow')), false, 'the chart is drawn');
  assertNoErrors(errors);
});
