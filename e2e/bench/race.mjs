// Browser benchmark: the race of the training page (train.html), as the issue's goal states it.
//
// What is measured, per scene, seed and cell: the entrant's own training seconds (the sum of its
// own slices in the page's worker: evaluations and the other entrants' slices excluded) and the
// training sequences it had seen at the first log record whose held-out `test_solved` was ≥ 0.95
// (the task's criterion), read from the page's log records (`session.entrants[].parsed` and
// `.reached`), never from pixels. An entrant that does not reach it reports its final record: the
// last `test_solved`, the best one, and the held-out loss beside the constant predictor's.
//
// Scenes (the recipe otherwise: the page's defaults are the recipe's lr 1e-2, B = 8, carry-gate
// bias 5, H = 32; the page evaluates every 25 iterations on 256 held-out sequences):
//   T = 50:  `adding`, cells rnn_tanh, lstm, gru, budget 120 s of own training time each;
//   T = 100: `adding`, lstm (`--t100-cells lstm,gru` adds the GRU), budget 300 s.
// Each seed is one race in a fresh page of headless Chromium (1280×720).
//
// The page stops an entrant at its first record that meets the criterion (its default
// `until=solved`), so the others train on alone and each race runs in one page, as a learner
// sees it; the wall-clock column is the page's own time from Play. `--retire` instead stops the
// race when an entrant reaches the criterion while others still train and starts it again (a
// fresh page) with only the rest: same seed, same specs, so their records repeat exactly
// (checked, record by record); each entrant's own training time does not depend on who shares
// the worker (that mode was needed before the page stopped solved entrants itself).
//
// Natively, with the release build (`target/release/unrolled train`), for the same seeds:
//   recipe:      a spec with only `model` ({cell, hidden_size}), `task`, `seconds` (and `seed`):
//                the documented recipe (eval every 100 iterations on 1000 held-out sequences);
//                budget 120 s (T = 50: lstm, gru; T = 100: the T = 100 cells);
//   page's spec: the exact spec the page trained (session.specs()): its records must equal the
//                browser's to 1e-9 (checked), so this column is the same run, timed natively.
// Native runs are stopped at their first record ≥ 0.95 (the CLI writes and flushes each record
// as it is made); their seconds are the CLI's own training time (process start and evaluations
// excluded). The browser is closed before they run.
//
//   node e2e/bench/race.mjs [--quick] [--seeds 0,1,2,3,4] [--only T50|T100] [--t100-cells lstm,gru]
//                           [--retire] [--no-native]
// --quick: seed 0, T = 20, budgets of 8 s (race) and 10 s (LSTM alone): checks the script works.
// Writes bench/out/race.json and bench/out/race.md (markdown tables and the machine line).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, launch, openPage, startServer } from '../lib.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const quick = args.includes('--quick');
const wholeRace = !args.includes('--retire');
const withNative = !args.includes('--no-native');
const seeds = opt('--seeds', quick ? '0' : '0,1,2,3,4').split(',').map(Number);
const t100Cells = opt('--t100-cells', 'lstm').split(',');
const BIN = path.join(ROOT, 'target/release/unrolled');
const OUT = path.join(ROOT, 'bench/out');
const CRITERION = 0.95;
const HS_1997 = 'Hochreiter & Schmidhuber 1997 (LSTM without a forget gate, T = 100): about 74,000 sequences (their Table 7)';

const SCENES = (quick ? [
  { key: 'T20', T: 20, cells: ['rnn_tanh', 'lstm', 'gru'], budget: 8, native: ['lstm', 'gru'], nativeBudget: 8 },
  { key: 'T20-lstm', T: 20, cells: ['lstm'], budget: 10, native: ['lstm'], nativeBudget: 10 },
] : [
  { key: 'T50', T: 50, cells: ['rnn_tanh', 'lstm', 'gru'], budget: 120, native: ['lstm', 'gru'], nativeBudget: 120 },
  { key: 'T100', T: 100, cells: t100Cells, budget: 300, native: t100Cells, nativeBudget: 120 },
]).filter((s) => !opt('--only') || opt('--only').split(',').includes(s.key));

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });
const log = (s) => console.error(s);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------- the page ----------

/** Installs wall-clock stamps (page-side performance.now) for the race start, each entrant's
 *  first record at the criterion and its budget's end. */
function installStamps(page) {
  return page.evaluate(() => {
    const s = window.__unrolledTrain.session;
    const w = { t0: null, reachedAt: {}, doneAt: {} };
    window.__race = w;
    s.addEventListener('transport', (e) => { if (e.detail.running && w.t0 === null) w.t0 = performance.now(); });
    s.addEventListener('records', () => {
      for (const e of s.entrants) if (e.reached && !(e.name in w.reachedAt)) w.reachedAt[e.name] = performance.now();
    });
    s.addEventListener('done', (ev) => { w.doneAt[ev.detail.entrant] = performance.now(); });
  });
}

/** Each entrant's state, from the page's log: compact records (`withRecords`) or the last one. */
function summary(page, withRecords = false) {
  return page.evaluate((all) => {
    const s = window.__unrolledTrain.session;
    const w = window.__race;
    const compact = (r) => r && ({ iteration: r.iteration, sequences: r.sequences, seconds: r.seconds, test_solved: r.test_solved, test_loss: r.test_loss });
    const wall = (t) => (t == null || w.t0 == null ? null : (t - w.t0) / 1000);
    return {
      running: s.running,
      error: s.error,
      entrants: s.entrants.map((e) => {
        const at = e.reached ? e.parsed.find((r) => r.iteration === e.reached.iteration) : null;
        return {
          cell: e.name,
          baseline: e.info.baseline,
          criterion: e.info.criterion,
          n: e.parsed.length,
          last: compact(e.parsed.at(-1)),
          reached: e.reached ? { ...compact(at), wall: wall(w.reachedAt[e.name]) } : null,
          final: e.final ? { ...e.final, wall: wall(w.doneAt[e.name]) } : null,
          records: all ? e.parsed.map(compact) : undefined,
        };
      }),
    };
  }, withRecords);
}

/** One round: a fresh page racing `cells`; stops when every entrant has reached the criterion
 *  or spent its budget, or (retiring) as soon as one reached it while others still train. */
async function round(browser, url, scene, seed, cells) {
  const hash = `task=adding&T=${scene.T}&cells=${cells.join(',')}&seed=${seed}&budget=${scene.budget}`;
  const { page, context, errors } = await openPage(browser, `${url}train.html`, hash);
  try {
    const specs = await page.evaluate(() => window.__unrolledTrain.session.specs());
    const state = await page.evaluate(() => ({ ...window.__unrolledTrain.session.state }));
    await installStamps(page);
    await page.click('#train-play');
    const limit = Date.now() + (cells.length * scene.budget * 3 + 120) * 1000;
    let s;
    for (;;) {
      await sleep(500);
      s = await summary(page);
      if (s.error) throw new Error(`page error: ${JSON.stringify(s.error)}`);
      const pending = s.entrants.filter((e) => !e.reached && !e.final);
      const reached = s.entrants.filter((e) => e.reached);
      if (s.entrants.length && (pending.length === 0 || (!wholeRace && reached.length > 0))) break;
      if (Date.now() > limit) throw new Error(`round did not end in time: ${JSON.stringify(s.entrants.map((e) => e.last))}`);
    }
    // Pause (its button is disabled once all are done), then let the records already received be
    // read: the page reads them once a frame, while `done` is handled at once.
    await page.evaluate(async () => {
      window.__unrolledTrain.session.pause();
      await new Promise((r) => { setTimeout(r, 300); });
      await new Promise((r) => { requestAnimationFrame(() => requestAnimationFrame(r)); });
    });
    s = await summary(page, true);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    return { hash, state, specs, entrants: s.entrants };
  } finally {
    await context.close();
  }
}

/** The records of an entrant that appear in two rounds must be the same (same seed and spec). */
function checkRepeat(before, after) {
  const byIt = new Map(after.map((r) => [r.iteration, r]));
  let compared = 0;
  for (const r of before) {
    const o = byIt.get(r.iteration);
    if (!o) continue;
    if (o.test_loss !== r.test_loss || o.test_solved !== r.test_solved || o.sequences !== r.sequences) {
      throw new Error(`records differ between rounds at iteration ${r.iteration}: ${JSON.stringify(r)} vs ${JSON.stringify(o)}`);
    }
    compared += 1;
  }
  return compared;
}

/** One seed of a scene: rounds until every entrant has a result. */
async function race(browser, url, scene, seed) {
  let cells = [...scene.cells];
  const out = { cells: {}, state: null, rounds: [], repeatChecked: 0 };
  const seen = {}; // cell → compact records of its latest round
  while (cells.length) {
    const r = await round(browser, url, scene, seed, cells);
    out.rounds.push({ cells, hash: r.hash });
    out.state = r.state;
    for (const e of r.entrants) {
      if (seen[e.cell]) out.repeatChecked += checkRepeat(seen[e.cell], e.records);
      seen[e.cell] = e.records;
      if (!e.reached && !e.final) continue;
      out.cells[e.cell] = {
        reached: e.reached, final: e.final && trimFinal(e.final), last: e.last, baseline: e.baseline,
        round: out.rounds.length, sharing: cells.length, spec: r.specs.find((x) => x.entrant === e.cell).spec,
        records: e.records,
      };
    }
    cells = r.entrants.filter((e) => !e.reached && !e.final).map((e) => e.cell);
    log(`  round ${out.rounds.length} (${out.rounds.at(-1).cells.join(', ')}): ${r.entrants.map(describe).join('; ')}`);
  }
  return out;
}

const trimFinal = (f) => ({
  iterations: f.iterations, sequences: f.sequences, seconds: f.seconds, test_loss: f.test_loss,
  test_solved: f.test_solved, best_test_solved: f.best_test_solved, reached: f.reached, wall: f.wall,
});

function describe(e) {
  if (e.reached) return `${e.cell} reached ${pct(e.reached.test_solved)} after ${int(e.reached.sequences)} sequences, ${e.reached.seconds.toFixed(1)} s own (wall ${e.reached.wall?.toFixed(1)} s)`;
  if (e.final) return `${e.cell} spent its budget: ${pct(e.final.test_solved)} solved, test loss ${e.final.test_loss.toFixed(4)} (constant ${e.baseline.toFixed(4)})`;
  return `${e.cell} goes on in the next round (here ${pct(e.last?.test_solved ?? 0)} at ${int(e.last?.sequences ?? 0)} sequences)`;
}

// ---------- native ----------

/** Runs `unrolled train -` on `spec`, stopping it at its first record ≥ the criterion. */
function nativeRun(spec) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(BIN, ['train', '-'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const records = [];
    let buf = '';
    let result = null;
    child.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line.trim() || result) continue;
        const r = JSON.parse(line);
        if (r.final) { result = { reached: null, final: trimFinal(r), last: records.at(-1) }; continue; }
        records.push({ iteration: r.iteration, sequences: r.sequences, seconds: r.seconds, test_solved: r.test_solved, test_loss: r.test_loss });
        if (r.test_solved >= CRITERION) {
          result = { reached: records.at(-1), final: null };
          child.kill('SIGTERM');
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (!result) { reject(new Error(`unrolled train ended (${code ?? signal}) without a result`)); return; }
      resolve({ ...result, records, process_seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
    });
    child.stdin.end(JSON.stringify(spec));
  });
}

/** The page's records and the native run of the same spec agree to 1e-9 (relative). */
/**
 * Compares the browser's records with the native run of the same spec, in order: how many agree
 * to 1e-9 (relative) before the first that does not. The two builds round `exp`/`tanh` in their
 * last bit differently, and hundreds of Adam steps amplify that, so a long run drifts apart; the
 * count says for how long they were the same run. None in common at all is an error.
 */
function checkSame(browser, native) {
  const byIt = new Map(native.map((r) => [r.iteration, r]));
  const close = (x, y) => x === y || Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
  let equal = 0;
  let common = 0;
  let drift = null;
  for (const b of browser) {
    const n = byIt.get(b.iteration);
    if (!n) continue;
    common += 1;
    if (drift === null && close(b.test_loss, n.test_loss) && close(b.test_solved, n.test_solved)) equal += 1;
    else if (drift === null) drift = b.iteration;
  }
  if (!common) throw new Error('no record in common between the browser and native runs');
  return { equal, common, drift };
}

async function natives(scene, seed, browserResults) {
  const out = {};
  for (const cell of scene.native) {
    const recipe = { model: { cell, hidden_size: browserResults.state.H }, task: { name: 'adding', steps: scene.T }, seconds: scene.nativeBudget, seed };
    const r = { recipe: await nativeRun(recipe) };
    r.recipe.spec = recipe;
    const b = browserResults.cells[cell];
    if (b?.reached) { // same spec as the page: same records (skipped when the page did not reach it: it would not either)
      r.page = await nativeRun(b.spec);
      r.page.same_records = checkSame(b.records, r.page.records);
    }
    for (const v of Object.values(r)) delete v.records;
    const same = r.page?.same_records;
    const sameText = same ? ` (${same.equal} of ${same.common} records equal to the browser's to 1e-9${same.drift === null ? '' : `; from iteration ${same.drift} on they drift apart`})` : '';
    log(`  native ${cell} seed ${seed}: recipe ${nativeText(r.recipe)}${r.page ? `; page's spec ${nativeText(r.page)}${sameText}` : ''}`);
    out[cell] = r;
  }
  return out;
}

const nativeText = (r) => (r.reached ? `${int(r.reached.sequences)} sequences, ${r.reached.seconds.toFixed(1)} s` : `not reached (${pct(r.final.best_test_solved)} best)`);

// ---------- the report ----------

const int = (x) => Math.round(x).toLocaleString('en');
const pct = (x) => `${(100 * x).toFixed(1)} %`;
const secs = (x) => (x == null ? '–' : `${x.toFixed(1)} s`);

/** Median over the seeds with a not-reached seed counted as slower than any: defined when more
 *  than half the seeds reached the criterion. */
function medianOf(values, n) {
  const ok = values.filter((v) => v != null);
  if (ok.length * 2 <= n) return null;
  const all = [...ok, ...Array(n - ok.length).fill(Infinity)];
  return median(all);
}

function notReached(f, baseline) {
  return `not reached: ${pct(f.test_solved)} solved (best ${pct(f.best_test_solved)}), held-out loss ${f.test_loss.toFixed(4)} vs the constant predictor's ${baseline.toFixed(4)}, after ${int(f.sequences)} sequences, ${secs(f.seconds)}`;
}

function seedRow(scene, seed, cell, b, nat) {
  const wall = b.reached ? `${secs(b.reached.wall)} (${b.sharing} sharing)` : `${secs(b.final.wall)} (${b.sharing} sharing)`;
  const browser = b.reached ? [secs(b.reached.seconds), int(b.reached.sequences)] : [notReached(b.final, b.baseline), '–'];
  const page = nat?.page?.reached ? secs(nat.page.reached.seconds) : '–';
  const rec = nat?.recipe ? (nat.recipe.reached ? [secs(nat.recipe.reached.seconds), int(nat.recipe.reached.sequences)] : [notReached(nat.recipe.final, b.baseline), '–']) : ['–', '–'];
  return `| ${scene.T} | ${cell} | ${seed} | ${browser.join(' | ')} | ${wall} | ${page} | ${rec.join(' | ')} |`;
}

function medianRow(scene, cell, per) {
  const n = per.length;
  const b = per.map((p) => p.browser.cells[cell]);
  const nat = per.map((p) => p.native?.[cell]);
  const m = (xs) => medianOf(xs, n);
  const bs = m(b.map((x) => x.reached?.seconds));
  const bq = m(b.map((x) => x.reached?.sequences));
  const reachedB = b.filter((x) => x.reached).length;
  let browser;
  if (bs != null) browser = [`${secs(bs)} (${reachedB}/${n} reached)`, int(bq)];
  else {
    const f = b.map((x) => x.final).filter(Boolean);
    browser = [`${reachedB}/${n} reached; median final ${pct(median(f.map((x) => x.test_solved)))} solved, held-out loss ${median(f.map((x) => x.test_loss)).toFixed(4)} vs constant ${b[0].baseline.toFixed(4)}`, '–'];
  }
  const ps = m(nat.map((x) => x?.page?.reached?.seconds));
  const rs = m(nat.map((x) => x?.recipe?.reached?.seconds));
  const rq = m(nat.map((x) => x?.recipe?.reached?.sequences));
  const reachedN = nat.filter((x) => x?.recipe?.reached).length;
  const rec = nat.some((x) => x?.recipe) ? [rs != null ? `${secs(rs)} (${reachedN}/${n} reached)` : `${reachedN}/${n} reached`, rq != null ? int(rq) : '–'] : ['–', '–'];
  return `| ${scene.T} | **${cell}** | median | ${browser.join(' | ')} | | ${ps != null ? secs(ps) : '–'} | ${rec.join(' | ')} |`;
}

function report(all, machine) {
  const head = '| T | cell | seed | browser: own training time to 95 % | browser: sequences | race wall clock (entrants sharing the worker) | native, the page\'s spec: time | native, recipe: time | native, recipe: sequences |';
  const lines = [head, `|${'---|'.repeat(9)}`];
  for (const { scene, per } of all) {
    for (const cell of scene.cells) {
      for (const p of per) lines.push(seedRow(scene, p.seed, cell, p.browser.cells[cell], p.native?.[cell]));
      lines.push(medianRow(scene, cell, per));
    }
  }
  const repeated = all.reduce((k, a) => k + a.per.reduce((j, p) => j + p.browser.repeatChecked, 0), 0);
  const scenes = all.map(({ scene }) => `T = ${scene.T}: ${scene.cells.join(', ')}, budget ${scene.budget} s each in the browser${withNative ? `, ${scene.nativeBudget} s natively (${scene.native.join(', ')})` : ''}`).join('; ');
  const notes = [
    `Scenes: \`adding\` (Hochreiter & Schmidhuber 1997, experiment 4: lengths T to T + T/10), H = 32, the recipe (Adam 10⁻², B = 8, clip 1, carry-gate bias 5); ${scenes}; seeds ${seeds.join(', ')}.`,
    'Browser: train.html in headless Chromium (1280×720), one race per seed, read from the page\'s log records; the page evaluates every 25 iterations on 256 held-out sequences. '
      + 'Own training time = the sum of the entrant\'s own slices in the worker (evaluations and other entrants excluded). '
      + (wholeRace ? 'Every race ran as the page runs it (an entrant stops once it solved the task; the others train on alone).'
        : 'The page trains every entrant to its budget, even after the criterion; an entrant that reached it was retired by restarting the race with the others (same seed and specs: their records repeated exactly'
          + `: ${repeated} records compared). `
          + 'The wall clock is from Play to the record in the round where the result was read.'),
    'Native: `target/release/unrolled train`, stopped at the first record ≥ 95 %; its seconds are its own training time (process start and evaluations excluded). '
      + '"Recipe" = a spec with only model {cell, hidden_size 32}, task, seconds and seed (evaluations every 100 iterations on 1000 held-out sequences, so sequences to criterion come in steps of 800); '
      + '"the page\'s spec" = the spec the page trained, whose records equalled the browser\'s to 1e-9 (checked), so its sequences are the browser\'s.',
    'Median: over all seeds, a seed that did not reach the criterion counted as slower than any (shown only when more than half reached it).',
    `${HS_1997}.`,
    machine,
  ];
  return `${lines.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
}

// ---------- main ----------

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'pkg/unrolled.js'))) throw new Error('build the page first: bash scripts/build-web.sh');
  if (withNative && !fs.existsSync(BIN)) throw new Error('build the CLI first: cargo build --release --bin unrolled');
  const load0 = os.loadavg();
  const started = new Date();
  const server = await startServer();
  const browser = await launch();
  const all = [];
  let chromium;
  try {
    chromium = browser.version();
    for (const scene of SCENES) {
      const per = [];
      for (const seed of seeds) {
        log(`T = ${scene.T}, seed ${seed}: ${scene.cells.join(', ')}, budget ${scene.budget} s`);
        per.push({ seed, browser: await race(browser, server.url, scene, seed) });
      }
      all.push({ scene, per });
    }
  } finally {
    await browser.close();
    server.close();
  }
  if (withNative) {
    for (const { scene, per } of all) {
      for (const p of per) p.native = await natives(scene, p.seed, p.browser);
    }
  }
  const load1 = os.loadavg();
  const machine = `Machine: ${os.cpus()[0]?.model ?? os.arch()}, ${os.cpus().length} cores; Chromium ${chromium} headless; `
    + `load average (1/5/15 min) ${load0.map((x) => x.toFixed(2)).join(' / ')} at the start, ${load1.map((x) => x.toFixed(2)).join(' / ')} at the end; `
    + `${started.toISOString()} to ${new Date().toISOString()}.`;
  for (const { per } of all) for (const p of per) for (const v of Object.values(p.browser.cells)) delete v.records;
  const md = report(all, machine);
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'race.json'), `${JSON.stringify({ quick, wholeRace, seeds, machine, scenes: all }, null, 1)}\n`);
  fs.writeFileSync(path.join(OUT, 'race.md'), `# The race: time and sequences to 95 % held-out solved\n\n${md}`);
  console.log(md);
  log('written to bench/out/race.md and bench/out/race.json');
}

main().catch((e) => { console.error(e); process.exit(1); });
