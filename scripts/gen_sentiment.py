#!/usr/bin/env python3
"""Writes the shipped sentiment dataset, data/sentiment/{train,test}.tsv (docs/sentiment.md).

Python 3.11, standard library only, deterministic from --seed (default 9): the same seed writes
the same bytes on every machine. Each line is

    text<TAB>label<TAB>construction<TAB>long_range

with label 0 (negative) or 1 (positive), construction one of CONSTRUCTIONS' names plus the
template's letter (e.g. `negation_far.b`), and long_range 1 when the tokens that decide the label
are at least LONG_SPAN positions apart (see `span`), else 0.

A sentence is built as a list of tokens exactly as the Rust tokeniser (src/train/text.rs) splits
it: lowercase words (letters with inner apostrophes) and single punctuation marks. Deciding tokens
are marked while building (`Mark`), their positions give the span, then the tokens are rendered
as English (first letter capitalised, no space before punctuation). The test split uses held-out
templates (each construction's templates marked `test`) and held-out words (fillers, subjects,
aspects, and sentiment words that only ever fill the overruled clause of a contrast), so that a
model cannot score on the test split by remembering phrases.
"""

import argparse
import random
from pathlib import Path

LONG_SPAN = 5  # deciding tokens this many positions apart (or more) make a sentence long-range

# Sentiment words: (positive, negative). The held-out ones appear only in the test split and only
# in the clause a contrast overrules, so the label never depends on a word the model cannot know.
ADJ = {
    "train": (
        "good great wonderful excellent lovely brilliant delightful superb charming enjoyable "
        "fantastic pleasant clever fun beautiful".split(),
        "bad awful terrible dull boring dreadful poor horrible tedious bland weak painful "
        "clumsy mediocre lousy".split(),
    ),
    "test": ("marvellous splendid gripping".split(), "dismal clunky insipid".split()),
}
# Verbs of liking: (positive, negative), base form and past form.
VERBS = (
    [("love", "loved"), ("like", "liked"), ("enjoy", "enjoyed"), ("adore", "adored")],
    [("hate", "hated"), ("dislike", "disliked"), ("loathe", "loathed"), ("despise", "despised")],
)
SUBJECTS = {
    "train": (
        "film movie book play meal show album hotel concert story game series novel "
        "restaurant trip course lecture museum"
    ).split(),
    "test": "opera podcast exhibition sequel".split(),
}
ASPECTS = {
    "train": (
        "acting music ending plot food service cast pacing dialogue opening setting room "
        "staff script"
    ).split(),
    "test": "lighting scenery soundtrack".split(),
}
INTENSIFIERS = "very really truly quite rather extremely so incredibly".split()
# Neutral phrases that put distance between the deciding tokens.
FILLERS = {
    "train": [
        "from start to finish",
        "for most of the evening",
        "if i am honest",
        "to my surprise",
        "as far as i can tell",
        "on the whole",
        "by the time it ended",
        "with my friends",
        "last weekend",
        "after a busy week at work",
        "on a rainy tuesday",
        "in the small theatre downtown",
        "during the long holiday",
        "with my sister and her kids",
        "after everything i had heard",
        "for the first hour or so",
        "when i went with my parents",
        "on the train home",
        "in the middle of winter",
        "for two hours straight",
    ],
    "test": [
        "near the old harbour",
        "on a windy thursday afternoon",
        "with my grandmother",
        "beside the quiet canal",
        "after the lengthy commute",
        "among strangers",
    ],
}
SHORT_ENDS = ["", "", "", "overall", "in the end", "honestly", "to be fair", "i think"]


class Mark(str):
    """A token that decides the label."""


def mark(tok):
    return [Mark(tok)]


def words(text):
    return text.split() if text else []


class Draw:
    """The random choices of one sentence, from the train or the held-out pools."""

    def __init__(self, rng, heldout):
        self.rng, self.heldout = rng, heldout

    def pool(self, table, p):
        use_test = self.heldout and self.rng.random() < p
        return table["test"] if use_test else table["train"]

    def subj(self):
        return ["the", self.rng.choice(self.pool(SUBJECTS, 0.3))]

    def aspect(self):
        return ["the", self.rng.choice(self.pool(ASPECTS, 0.3))]

    def filler(self):
        return words(self.rng.choice(self.pool(FILLERS, 0.6)))

    def adj(self, positive):
        """A deciding sentiment word: always a training word."""
        return self.rng.choice(ADJ["train"][0 if positive else 1])

    def overruled_adj(self, positive):
        """A sentiment word the sentence's structure overrules: may be held out."""
        pos, neg = ADJ["test"] if self.heldout and self.rng.random() < 0.3 else ADJ["train"]
        return self.rng.choice(pos if positive else neg)

    def intens(self, p=0.4):
        return [self.rng.choice(INTENSIFIERS)] if self.rng.random() < p else []

    def end(self):
        return words(self.rng.choice(SHORT_ENDS))

    def verb(self, positive):
        return self.rng.choice(VERBS[0 if positive else 1])


# Every template takes (draw, label) and returns tokens, marking the deciding ones. `y` is the
# label as a bool (True positive).


def plain_a(d, y):
    return d.subj() + ["was"] + d.intens() + mark(d.adj(y)) + d.end()


def plain_b(d, y):
    return ["i", "found"] + d.subj() + d.intens() + mark(d.adj(y)) + d.end()


def plain_c(d, y):
    return d.subj() + ["was"] + d.intens() + mark(d.adj(y)) + d.filler()


def plain_test(d, y):
    return d.filler() + [","] + d.subj() + ["felt"] + d.intens() + mark(d.adj(y))


def negation_a(d, y):
    neg = d.rng.choice([["was", "not"], ["wasn't"], ["was", "never"]])
    return d.subj() + neg[:-1] + mark(neg[-1]) + d.intens(0.3) + mark(d.adj(not y)) + d.end()


def negation_b(d, y):
    return ["i", "did"] + mark("not") + ["find"] + d.subj() + mark(d.adj(not y)) + d.end()


def negation_test(d, y):
    """Training's near negation after a subject with a filler (plain.x's and negation.a's parts)."""
    return d.subj() + [","] + d.filler() + [",", "was"] + mark("not") + mark(d.adj(not y))


def negation_far_a(d, y):
    return d.subj() + ["was"] + mark("not") + [","] + d.filler() + [","] + d.intens(0.3) + mark(
        d.adj(not y)
    )


def negation_far_b(d, y):
    return (
        ["i", "did"] + mark("not") + ["think", "that"] + d.subj() + [","] + d.filler() + [","]
        + ["was"] + mark(d.adj(not y))
    )


def negation_far_c(d, y):
    return (
        ["i"] + mark("didn't") + ["find"] + d.subj() + ["or"] + d.aspect() + ["at", "all"]
        + mark(d.adj(not y)) + d.end()
    )


def negation_far_d(d, y):
    return (
        ["i", "did"] + mark("not") + [","] + d.filler() + [",", "think", "that"] + d.subj()
        + ["was"] + d.intens(0.3) + mark(d.adj(not y))
    )


def negation_far_test(d, y):
    """negation_far.a's `not , filler ,` inside negation.b's `I did not find the X Y`."""
    return (
        ["i", "did"] + mark("not") + [","] + d.filler() + [",", "find"] + d.subj()
        + mark(d.adj(not y))
    )


def although_a(d, y):
    return (
        mark("although") + d.aspect() + ["was"] + mark(d.overruled_adj(not y)) + [","]
        + d.subj() + ["was"] + d.intens() + mark(d.adj(y)) + d.end()
    )


def although_b(d, y):
    return (
        d.subj() + ["was"] + d.intens() + mark(d.adj(y)) + [",", "although"] + d.aspect()
        + ["was"] + mark(d.overruled_adj(not y))
    )


def although_c(d, y):
    return (
        mark("although") + d.aspect() + ["was"] + mark(d.overruled_adj(not y)) + d.filler()
        + [","] + d.subj() + ["was"] + mark(d.adj(y))
    )


def although_test(d, y):
    """although.a with a concession about two aspects."""
    return (
        mark("although") + d.aspect() + ["and"] + d.aspect() + ["were"]
        + mark(d.overruled_adj(not y)) + [","] + d.subj() + ["was"] + d.intens() + mark(d.adj(y))
    )


def but_a(d, y):
    return (
        d.aspect() + ["was"] + mark(d.overruled_adj(not y)) + d.filler() + mark("but")
        + d.subj() + ["was"] + d.intens() + mark(d.adj(y))
    )


def but_b(d, y):
    return (
        d.subj() + ["was"] + mark(d.overruled_adj(not y)) + ["at", "first", ",", "but"]
        + d.filler() + ["it", "was"] + mark(d.adj(y))
    )


def but_test(d, y):
    """but.a with the filler moved after `but`, between commas."""
    return (
        d.aspect() + ["was"] + mark(d.overruled_adj(not y)) + [","] + mark("but") + [","]
        + d.filler() + [","] + d.subj() + ["was"] + d.intens() + mark(d.adj(y))
    )


def expect_did_a(d, y):
    """The expectation confirmed or not: the label is the verb's polarity, flipped by `not`."""
    confirmed = d.rng.random() < 0.5
    verb = d.verb(y if confirmed else not y)[0]
    tail = (["and"] + d.filler() + [",", "i"] + mark("did")) if confirmed else (
        ["but"] + d.filler() + [",", "i", "did"] + mark("not")
    )
    return ["i", "expected", "to"] + mark(verb) + ["it", ","] + tail


def expect_did_b(d, y):
    confirmed = d.rng.random() < 0.5
    verb = d.verb(y if confirmed else not y)[0]
    tail = (["and", "sure", "enough", ","] + d.filler() + [",", "i"] + mark("did")) if confirmed else (
        ["but", ","] + d.filler() + [",", "i"] + mark("didn't")
    )
    return ["everyone", "told", "me", "i", "would"] + mark(verb) + d.subj() + tail


def expect_did_test(d, y):
    confirmed = d.rng.random() < 0.5
    verb = d.verb(y if confirmed else not y)[0]
    tail = (["and"] + d.filler() + [",", "i"] + mark("did")) if confirmed else (
        ["but"] + d.filler() + [",", "i"] + mark("didn't")
    )
    return ["i", "thought", "i", "would"] + mark(verb) + ["it", ","] + tail


def expect_flip_a(d, y):
    return (
        ["i", "expected", "to"] + [d.verb(not y)[0]] + ["it", "but"] + d.filler() + [",", "i"]
        + mark(d.verb(y)[1]) + ["it"]
    )


def expect_flip_test(d, y):
    return (
        ["i", "thought", "i", "would"] + [d.verb(not y)[0]] + d.subj() + [","] + ["yet"]
        + d.filler() + ["i"] + mark(d.verb(y)[1]) + ["it"]
    )


# name: (templates used for train, templates held out for test)
CONSTRUCTIONS = {
    "plain": ([plain_a, plain_b, plain_c], [plain_test]),
    "negation": ([negation_a, negation_b], [negation_test]),
    "negation_far": (
        [negation_far_a, negation_far_b, negation_far_c, negation_far_d],
        [negation_far_test],
    ),
    "although": ([although_a, although_b, although_c], [although_test]),
    "but": ([but_a, but_b], [but_test]),
    "expectation": ([expect_did_a, expect_did_b], [expect_did_test]),
    "reversal": ([expect_flip_a], [expect_flip_test]),
}
# Share of each construction in both splits.
WEIGHTS = {
    "plain": 2,
    "negation": 2,
    "negation_far": 3,
    "although": 2,
    "but": 1,
    "expectation": 2,
    "reversal": 1,
}


def span(tokens):
    """Positions from the first deciding token to the last: 0 for one deciding token."""
    at = [i for i, t in enumerate(tokens) if isinstance(t, Mark)]
    return at[-1] - at[0]


def render(tokens, rng):
    """English text from tokens: no space before punctuation, the first letter upper case."""
    out = ""
    for t in tokens:
        out += t if (not out or t in ",.!") else " " + t
    out = out.replace(" i ", " I ").replace(" i,", " I,")
    if out.startswith("i "):
        out = "I" + out[1:]
    end = rng.choice([".", ".", ".", "!", ""])
    return out[0].upper() + out[1:] + end


def letter(templates, fn):
    return "abcdefghij"[templates.index(fn)]


def make_split(rng, size, heldout, seen):
    """`size` sentences, balanced labels, constructions by WEIGHTS; `seen` texts are skipped."""
    names = [n for n, w in WEIGHTS.items() for _ in range(w)]
    rows = []
    while len(rows) < size:
        name = names[len(rows) // 2 % len(names)]
        y = len(rows) % 2 == 0
        train_t, test_t = CONSTRUCTIONS[name]
        # Held-out split: half the sentences from held-out templates, half from the training
        # templates with held-out words drawn where they may be.
        fn = test_t[0] if heldout and rng.random() < 0.5 else rng.choice(train_t)
        d = Draw(rng, heldout)
        tokens = fn(d, y)
        text = render(tokens, rng)
        if text in seen:
            continue
        seen.add(text)
        tag = f"{name}.{'x' if fn in test_t else letter(train_t, fn)}"
        rows.append((text, int(y), tag, int(span(tokens) >= LONG_SPAN)))
    rng.shuffle(rows)
    return rows


def write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for text, label, tag, long_range in rows:
            f.write(f"{text}\t{label}\t{tag}\t{long_range}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--train", type=int, default=3000)
    ap.add_argument("--test", type=int, default=1000)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "data/sentiment"))
    a = ap.parse_args()
    rng = random.Random(a.seed)
    seen = set()
    train = make_split(rng, a.train, False, seen)
    test = make_split(rng, a.test, True, seen)
    write(Path(a.out) / "train.tsv", train)
    write(Path(a.out) / "test.tsv", test)


if __name__ == "__main__":
    main()
