#!/usr/bin/env python3
"""Where the deciding words of the shipped test sentences sit, and a model's accuracy by where.

Rebuilds the test split with scripts/gen_sentiment.py (same seed, checked against
data/sentiment/test.tsv text by text) to recover each sentence's deciding tokens (the `Mark`s),
then, for a sentence of T tokens whose first and last deciding tokens are at positions a and b:

    gap      = b - a          the shipped `long_range` column is gap >= 5
    forward  = T - 1 - a      how many steps a left-to-right reader carries the first deciding
                              token before its final state (the one fc reads) is taken
    backward = b              how many steps the backward direction carries the last deciding
                              token before its final state, at the first word, is taken

Prints how many sentences fall where, and, for each `index<TAB>right` file given
(examples/sentiment_breakdown.rs writes one), the accuracy on each subset.

    python3 scripts/sentiment_subsets.py [RESULTS.tsv ...]
"""

import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_sentiment as g  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*|[^\sa-z]")


def positions():
    """(text, a, b, T) of every test sentence, in the order of data/sentiment/test.tsv."""
    seen_tokens = {}
    render = g.render

    def spy(tokens, rng):
        text = render(tokens, rng)
        at = [i for i, t in enumerate(tokens) if isinstance(t, g.Mark)]
        seen_tokens[text] = (at[0], at[-1], len(TOKEN.findall(text.lower())))
        return text

    g.render = spy
    try:
        rng = random.Random(9)
        seen = set()
        g.make_split(rng, 3000, False, seen)
        test = g.make_split(rng, 1000, True, seen)
    finally:
        g.render = render
    lines = (ROOT / "data/sentiment/test.tsv").read_text(encoding="utf-8").splitlines()
    shipped = [line.split("\t") for line in lines]
    if [r[0] for r in shipped] != [r[0] for r in test]:
        sys.exit("error: gen_sentiment.py --seed 9 no longer writes data/sentiment/test.tsv")
    return [(r[0], r[2], r[3] == "1", *seen_tokens[r[0]]) for r in shipped]


SUBSETS = [
    ("all", lambda s: True),
    ("long-range (shipped: gap >= 5)", lambda s: s["long"]),
    ("long-range, last deciding token within 3 of the end", lambda s: s["long"] and s["tail"] <= 3),
    ("deciding tokens nearer the start (backward < forward)", lambda s: s["b"] < s["fwd"]),
    ("forward >= 8 (left to right carries 8+ steps)", lambda s: s["fwd"] >= 8),
    ("forward >= 8 and backward <= 3", lambda s: s["fwd"] >= 8 and s["b"] <= 3),
    ("long-range, training templates (held-out words only)", lambda s: s["long"] and not s["tag"].endswith(".x")),
    ("long-range, held-out templates (.x)", lambda s: s["long"] and s["tag"].endswith(".x")),
]


def main():
    rows = []
    for text, tag, long_range, a, b, T in positions():
        rows.append({"tag": tag, "long": long_range, "a": a, "b": b, "T": T, "fwd": T - 1 - a, "tail": T - 1 - b})
    print(f"{len(rows)} test sentences")
    for name, keep in SUBSETS:
        print(f"  {name}: {sum(1 for s in rows if keep(s))}")
    for path in sys.argv[1:]:
        right = {}
        for line in Path(path).read_text().splitlines():
            i, r = line.split("\t")
            right[int(i)] = r == "1"
        print(path)
        for name, keep in SUBSETS:
            idx = [i for i, s in enumerate(rows) if keep(s)]
            if idx:
                acc = sum(right[i] for i in idx) / len(idx)
                print(f"  {name}: {100 * acc:.1f} % of {len(idx)}")


if __name__ == "__main__":
    main()
