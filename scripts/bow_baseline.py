#!/usr/bin/env python3
"""A bag-of-words baseline on the shipped sentiment data (docs/sentiment.md, "Known shortcuts").

Python 3.11, standard library only. Logistic regression on binary word presence (the tokeniser's
rule approximated by a regular expression: lowercase words with inner apostrophes, every other
non-space character a token), trained by full-batch gradient descent with a small L2 penalty; and
a rule that reads only the sentence's last sentiment word. Prints the test accuracy overall, on
the long-range subset and per construction.
"""

import math
import re
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data/sentiment"
TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[^\s]")


def rows(name):
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        text, label, construction, long_range = line.split("\t")
        out.append((TOKEN.findall(text.lower()), int(label), construction, long_range == "1"))
    return out


def train_logistic(train, vocab, epochs=300, lr=0.5, l2=1e-4):
    w, b = [0.0] * len(vocab), 0.0
    feats = [sorted({vocab[t] for t in toks if t in vocab}) for toks, *_ in train]
    for _ in range(epochs):
        gw, gb = [0.0] * len(vocab), 0.0
        for f, (_, y, *_rest) in zip(feats, train):
            z = b + sum(w[i] for i in f)
            g = 1 / (1 + math.exp(-z)) - y
            gb += g
            for i in f:
                gw[i] += g
        n = len(train)
        w = [wi - lr * (gi / n + l2 * wi) for wi, gi in zip(w, gw)]
        b -= lr * gb / n
    return lambda toks: int(b + sum(w[vocab[t]] for t in set(toks) if t in vocab) > 0)


def last_word_rule(train):
    polarity = {}
    for toks, y, construction, _ in train:
        if construction.startswith("plain"):
            for t in toks:
                polarity.setdefault(t, set()).add(y)
    words = {t: ys.pop() for t, ys in polarity.items() if len(ys) == 1 and t not in
             {"the", "was", "i", "found", ",", ".", "!"}}
    def predict(toks):
        seen = [words[t] for t in toks if t in words]
        return seen[-1] if seen else 1
    return predict


def report(name, predict, test):
    by = defaultdict(lambda: [0, 0])
    for toks, y, construction, long_range in test:
        right = predict(toks) == y
        for key in ("all", "long-range" if long_range else "short", construction.split(".")[0]):
            by[key][0] += right
            by[key][1] += 1
    print(name)
    for key, (r, n) in sorted(by.items()):
        print(f"  {key:14} {r / n:.3f}  ({n})")


def main():
    train, test = rows("train.tsv"), rows("test.tsv")
    vocab = {t: i for i, t in enumerate(sorted({t for toks, *_ in train for t in toks}))}
    report("bag of words, logistic regression", train_logistic(train, vocab), test)
    report("the last sentiment word", last_word_rule(train), test)


if __name__ == "__main__":
    main()
