#!/usr/bin/env python3
"""What the training view's sweep can show: per cell and sequence length, when each seed first
reached the criterion (95 % of held-out sequences within 0.04) and the best share it solved.

    cargo build --release
    python3 bench/sweep_lengths.py SECONDS CELL[,CELL...] T[,T...] SEEDS [LR] [JOBS]

Each run is `target/release/unrolled train -` on the spec the page builds in sweep mode
(www/js/train-state.js `trainSpec`: `adding`, H = 32, Adam, B = 8, carry-gate bias 5 for the
gated cells, eval_every 25, eval_size 256) with a budget of SECONDS of training time; a line per
run: cell, T, seed, sequences seen, best share solved, and the sequences and seconds to criterion.
The records are kept, so one long run answers every shorter budget.
"""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'target', 'release', 'unrolled')


def spec(cell, T, seed, seconds, lr):
    init = {'carry_bias': 5} if cell in ('lstm', 'gru') else {}
    return {'version': 1, 'model': {'cell': cell, 'hidden_size': 32, 'init': init},
            'task': {'name': 'adding', 'steps': T}, 'optimizer': {'name': 'adam', 'lr': lr},
            'batch_size': 8, 'seed': seed, 'seconds': seconds, 'eval_every': 25, 'eval_size': 256}


def run(args):
    cell, T, seed, seconds, lr = args
    out = subprocess.run(['nice', '-n', '19', BIN, 'train', '-'], input=json.dumps(spec(cell, T, seed, seconds, lr)),
                         capture_output=True, text=True, check=True).stdout
    recs = [json.loads(l) for l in out.splitlines() if l.strip()]
    final = recs[-1]
    first = next((r for r in recs[:-1] if r['test_solved'] >= 0.95), None)
    return (cell, T, seed, final['sequences'], final['best_test_solved'],
            first and first['sequences'], first and round(first['seconds'], 2))


def main():
    seconds = float(sys.argv[1])
    cells = sys.argv[2].split(',')
    lengths = [int(t) for t in sys.argv[3].split(',')]
    seeds = int(sys.argv[4])
    lr = float(sys.argv[5]) if len(sys.argv) > 5 else 1e-2
    jobs = int(sys.argv[6]) if len(sys.argv) > 6 else 2
    todo = [(c, T, s, seconds, lr) for c in cells for T in lengths for s in range(seeds)]
    print('cell T seed sequences best_solved seq_to_95 s_to_95', flush=True)
    with ThreadPoolExecutor(jobs) as ex:
        for r in ex.map(run, todo):
            print(*r, flush=True)


if __name__ == '__main__':
    main()
