// Browser benchmark: what the pool of training workers (www/js/train-pool.js) buys, in wall time.
//
//   alone: each of the race's cells alone on one worker, the same budget: the race's goal is the
//          time of the slowest of them alone.
//   race:  train.html's race (cells rnn_tanh, lstm, gru; `adding`, T = 50, the page's recipe),
//          `until=budget` so every entrant trains its whole budget of BUDGET seconds of its own
//          training time; measured: the wall time from Play until every entrant is done, and
//          every entrant's sequences trained per second of wall time, summed.
//   sweep: sweep mode (the same cells, SEEDS seeds, SBUDGET s a run, lengths up to T = 20);
//          measured: the wall time from Play until the sweep's last length is done.
// Each with the pool forced to 1, 2, … workers (`?workers=N`) up to the number of entrants, in
// a fresh page each (1280×720), one after the other. One worker trains the entrants in turn, so
// its wall time is the sum of their budgets; N workers should divide it by min(N, cores).
//
//   node e2e/bench/pool.mjs [--quick] [--budget S] [--workers 1,2,3]
// Writes bench/out/pool.md and bench/out/pool.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, launch, startServer } from '../lib.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const quick = args.includes('--quick');
const BUDGET = Number(opt('--budget', quick ? 2 : 10));
const SEEDS = quick ? 1 : 2;
const SBUDGET = quick ? 1 : 2;
const WORKERS = opt('--workers', '1,2,3').split(',').map(Number);
const OUT = path.join(ROOT, 'bench/out');
const log = (s) => console.error(s);

async function timed(browser, server, workers, hash, doneFn) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}train.html?workers=${workers}#${hash}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 30000 });
  const t0 = Date.now();
  await page.click('#train-play');
  await page.waitForFunction(doneFn, null, { timeout: 30 * 60 * 1000, polling: 100 });
  const wall = (Date.now() - t0) / 1000;
  const result = await page.evaluate(() => {
    const s = window.__unrolledTrain.session;
    return { made: s.worker.started, entrants: s.entrants.map((e) => ({ name: e.name, sequences: e.final?.sequences, seconds: e.final?.seconds })) };
  });
  await page.close();
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  return { wall, ...result };
}

async function main() {
  const server = await startServer();
  const browser = await launch();
  const load0 = os.loadavg();
  const rows = [];
  try {
    // Each entrant alone on one worker: what "the time of the slowest alone" is measured against.
    for (const cell of ['rnn_tanh', 'lstm', 'gru']) {
      const alone = await timed(browser, server, 1, `cells=${cell}&T=50&until=budget&budget=${BUDGET}`,
        () => { const s = window.__unrolledTrain.session; return s.entrants.length > 0 && s.entrants.every((e) => e.final); });
      rows.push({ kind: `${cell} alone`, workers: 1, made: alone.made, wall: alone.wall, per_wall_second: alone.entrants[0].sequences / alone.wall, entrants: alone.entrants });
      log(`${cell} alone, 1 worker: ${alone.wall.toFixed(1)} s wall`);
    }
    for (const workers of WORKERS) {
      const race = await timed(browser, server, workers, `T=50&until=budget&budget=${BUDGET}`,
        () => { const s = window.__unrolledTrain.session; return s.entrants.length > 0 && s.entrants.every((e) => e.final); });
      const seqs = race.entrants.reduce((a, e) => a + e.sequences, 0);
      rows.push({ kind: 'race', workers, made: race.made, wall: race.wall, per_wall_second: seqs / race.wall, entrants: race.entrants });
      log(`race, ${workers} worker(s): ${race.wall.toFixed(1)} s wall, ${(seqs / race.wall).toFixed(0)} sequences/s in all`);
      const sweep = await timed(browser, server, workers, `mode=sweep&T=20&seeds=${SEEDS}&sbudget=${SBUDGET}`,
        () => { const sw = window.__unrolledTrain.session.sweep; return sw && sw.index >= sw.steps.length; });
      rows.push({ kind: 'sweep', workers, made: sweep.made, wall: sweep.wall });
      log(`sweep, ${workers} worker(s): ${sweep.wall.toFixed(1)} s wall`);
    }
  } finally {
    await browser.close();
    server.close();
  }
  const load1 = os.loadavg();
  const one = (kind) => rows.find((r) => r.kind === kind && r.workers === 1);
  const lines = ['| view | workers | wall time | vs 1 worker | sequences per wall second (all entrants) |', '|---|---|---|---|---|'];
  for (const r of rows) {
    const base = one(r.kind);
    const vs = !base || base === r ? '—' : `${(base.wall / r.wall).toFixed(2)}× faster`;
    lines.push(`| ${r.kind} | ${r.workers} | ${r.wall.toFixed(1)} s | ${vs} | ${r.per_wall_second ? r.per_wall_second.toFixed(0) : '—'} |`);
  }
  const machine = `Machine: ${os.cpus()[0]?.model}, ${os.cpus().length} cores (navigator.hardwareConcurrency: the page's default pool size); Chromium ${browser.version()} headless; load average ${load0.map((x) => x.toFixed(2)).join(' / ')} at the start, ${load1.map((x) => x.toFixed(2)).join(' / ')} at the end; ${new Date().toISOString()}${quick ? '; --quick' : ''}.`;
  const md = `# The pool of training workers: wall time\n\nRace: rnn_tanh, lstm, gru on \`adding\`, T = 50, each trained for ${BUDGET} s of its own training time (until=budget); first each of them alone on one worker (the race's goal: the time of the slowest alone). Sweep: the same cells, lengths 4 to 20, ${SEEDS} seeds, ${SBUDGET} s a run.\n\n${lines.join('\n')}\n\n${machine}\n`;
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'pool.json'), `${JSON.stringify({ quick, BUDGET, SEEDS, SBUDGET, rows, machine }, null, 1)}\n`);
  fs.writeFileSync(path.join(OUT, 'pool.md'), md);
  console.log(md);
}

main().catch((e) => { console.error(e); process.exit(1); });
