// The Python a lesson shows is the code the repository runs: lesson 5's `LSTMClassifier` is the
// course's module in www/python/lstm_classifier.py (linked from the pages), which the fixture
// scripts (tests/fixtures/classifier/ and safetensors/generate.py) read and build the PyTorch
// fixtures with, and which docs/safetensors.md loads a download into.
// Compared as Python tokens: comments and layout may differ, nothing else.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from '../lib.mjs';

const read = (p) => fs.readFileSync(path.join(ROOT, p), 'utf8');
const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
/** Python source without comments and whitespace (no string in these holds a # or a space that matters). */
const tokens = (py) => py.split('\n').map((l) => l.replace(/#.*$/, '')).join('').replace(/\s+/g, '');

test('lesson 5 shows the course\'s LSTMClassifier, the one the fixtures and the docs use', () => {
  const html = read('www/lessons/5-classifier.html');
  const shown = unescape(/<pre[^>]*aria-label="The classifier in PyTorch"><code>([\s\S]*?)<\/code><\/pre>/.exec(html)[1]);
  const course = /^class LSTMClassifier[\s\S]*?return self\.fc\(hidden\)$/m.exec(read('www/python/lstm_classifier.py'))[0];
  assert.equal(tokens(shown), tokens(course));
  // The docs call it with the arguments the class takes.
  const docs = read('docs/safetensors.md');
  assert.match(docs, /model = LSTMClassifier\([\s\S]{0,300}num_layers=[\s\S]{0,100}bidirectional=/);
  assert.match(shown, /def forward\(self, text, lengths=None\)/);
});

test('lstm_classifier.py, linked from the pages, holds the docs\' loading lines; the fixture scripts read its class', () => {
  const py = read('www/python/lstm_classifier.py');
  for (const g of ['tests/fixtures/classifier/generate.py', 'tests/fixtures/safetensors/generate.py']) {
    assert.match(read(g), /COURSE = inspect\.getsource\(lstm_classifier\.LSTMClassifier\)/, g);
    assert.match(read(g), /"www", "python"/, g);
  }
  // The docs' first Python block loads the download; its model lines are the script's.
  const block = /```python\n([\s\S]*?)```/.exec(read('docs/safetensors.md'))[1];
  const lines = block.split('\n').filter((l) => !/^(import|from) /.test(l));
  assert.ok(lines.some((l) => l.startsWith('model = LSTMClassifier(')), block);
  assert.ok(tokens(py).includes(tokens(lines.join('\n'))), lines.join('\n'));
});

// Its tokenize is the page's (src/train/text.rs; these are that module's own examples). Run with
// the machine's python3 on the function alone (torch is not needed for it).
test('lstm_classifier.py reads a sentence as the page does', { skip: spawnSync('python3', ['--version']).status !== 0 }, () => {
  const cases = [
    ['I didn\u2019t LOVE it, Zo\u00eb!', ['i', "didn't", 'love', 'it', ',', 'zo\u00eb', '!']],
    ["The film wasn't good.", ['the', 'film', "wasn't", 'good', '.']],
    ["'quoted' words -- and rock'n'roll", ["'", 'quoted', "'", 'words', '-', '-', 'and', "rock'n'roll"]],
  ];
  const prog = `
import ast, json, sys
src = open(sys.argv[1], encoding="utf-8").read()
fns = [n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name in ("word_char", "tokenize")]
ns = {}
exec(compile(ast.Module(body=fns, type_ignores=[]), sys.argv[1], "exec"), ns)
print(json.dumps([ns["tokenize"](t) for t in json.loads(sys.argv[2])]))`;
  const r = spawnSync('python3', ['-c', prog, path.join(ROOT, 'www/python/lstm_classifier.py'), JSON.stringify(cases.map(([t]) => t))], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), cases.map(([, want]) => want));
});
