#!/usr/bin/env python3
"""The training sweep behind the recipe (README, "Training: the recipe").

    cargo build --release
    python3 bench/train_sweep.py grid T SECONDS [NAME ...]   # one run per grid entry, e.g. 50 60
    python3 bench/train_sweep.py seeds CELL T SECONDS [CARRY_BIAS]   # the recipe over seeds 0-4

Each run is `target/release/unrolled train -` on `adding` (Hochreiter & Schmidhuber 1997,
experiment 4), H = 32, with a wall-clock budget; a line per run gives the sequences seen, the
best held-out share solved and when 95 % was first reached (iteration, sequences, seconds).
"""
import json
import os
import statistics
import subprocess
import sys

BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'target', 'release', 'unrolled')

GRID = {
    'first-recipe': dict(batch_size=32, fb=1),
    'lr3e-3': dict(batch_size=32, fb=1, lr=3e-3),
    'lr3e-2': dict(batch_size=32, fb=1, lr=3e-2),
    'B8': dict(batch_size=8, fb=1),
    'B8lr3e-3': dict(batch_size=8, fb=1, lr=3e-3),
    'H16': dict(batch_size=32, fb=1, H=16),
    'fb3': dict(batch_size=32, fb=3),
    'fb5': dict(batch_size=32, fb=5),
    'B8fb3': dict(batch_size=8, fb=3),
    'B8fb5': dict(batch_size=8, fb=5),
    'B16fb3': dict(batch_size=16, fb=3),
    'gru-fb3': dict(cell='gru', batch_size=32, fb=3),
    'gru-B8fb3': dict(cell='gru', batch_size=8, fb=3),
    'rnn-B8': dict(cell='rnn_tanh', batch_size=8),
}


def spec(cell, T, seconds, batch_size=8, fb=5, lr=1e-2, H=32, seed=0):
    model = {'cell': cell, 'hidden_size': H}
    if fb is not None and cell in ('lstm', 'gru'):
        model['init'] = {'carry_bias': fb}
    return {'model': model, 'task': {'name': 'adding', 'steps': T}, 'seconds': seconds, 'seed': seed,
            'batch_size': batch_size, 'optimizer': {'name': 'adam', 'lr': lr}, 'clip': {'max_norm': 1},
            'eval_every': 100, 'eval_size': 1000}


def run(name, s):
    out = subprocess.run([BIN, 'train', '-'], input=json.dumps(s), capture_output=True, text=True, check=True)
    final = json.loads(out.stdout.splitlines()[-1])
    print(f"{name:32s} sequences={final['sequences']:7d} best={final['best_test_solved']:.3f} reached={final['reached']}", flush=True)
    return final['reached']


def main(argv):
    if argv[:1] == ['grid']:
        T, seconds = int(argv[1]), float(argv[2])
        for name in argv[3:] or GRID:
            g = dict(GRID[name])
            run(f'T={T} {name}', spec(g.pop('cell', 'lstm'), T, seconds, **g))
    elif argv[:1] == ['seeds']:
        cell, T, seconds = argv[1], int(argv[2]), float(argv[3])
        fb = float(argv[4]) if len(argv) > 4 else 5
        reached = [run(f'{cell} T={T} seed {k}', spec(cell, T, seconds, fb=fb, seed=k)) for k in range(5)]
        ok = [r for r in reached if r]
        if ok:
            print(f"solved {len(ok)}/5; median {statistics.median(r['sequences'] for r in ok):.0f} sequences, "
                  f"{statistics.median(r['seconds'] for r in ok):.1f} s")
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])
