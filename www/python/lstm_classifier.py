"""The course's LSTMClassifier, and the lines that load the classifier page's download into it.

    python3 lstm_classifier.py model.safetensors vocab.json "The film was not good." ...

prints each sentence's class and the probability of each class. It needs torch and safetensors
(`pip install torch safetensors`). The class is the course's, as lesson 5 shows it; `load` is the
loading in docs/safetensors.md; `tokenize` splits text as the page does (src/train/text.rs):
lower-case words, an apostrophe inside a word kept as ', every other non-space character a token
of its own. A word the vocabulary does not hold reads as <unk> (id 1); padding is <pad> (id 0),
and `lengths` makes the LSTM skip it (pack_padded_sequence), as the page does.
"""
import json
import sys

import torch
import torch.nn as nn
from safetensors import safe_open
from safetensors.torch import load_file


class LSTMClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, output_dim, num_layers=2, dropout=0.5, bidirectional=True):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, num_layers=num_layers, batch_first=True, dropout=dropout, bidirectional=bidirectional)
        self.fc = nn.Linear(hidden_dim * 2 if bidirectional else hidden_dim, output_dim)
    def forward(self, text, lengths=None):
        embedded = self.embedding(text)
        if lengths is not None:
            packed = nn.utils.rnn.pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
            _, (hidden, _) = self.lstm(packed)
        else:
            _, (hidden, _) = self.lstm(embedded)
        hidden = torch.cat((hidden[-2], hidden[-1]), dim=1) if self.lstm.bidirectional else hidden[-1]
        return self.fc(hidden)


def word_char(c):
    return c.isalnum() or "\u0300" <= c <= "\u036f"


def tokenize(text):
    chars = text.lower()
    tokens, word = [], ""
    for i, c in enumerate(chars):
        joins = c in "'\u2019" and word != "" and i + 1 < len(chars) and word_char(chars[i + 1])
        if word_char(c) or joins:
            word += "'" if joins else c
            continue
        if word:
            tokens.append(word)
            word = ""
        if not c.isspace():
            tokens.append(c)
    if word:
        tokens.append(word)
    return tokens


def load(PATH, VOCAB):
    """The model (eval mode), its vocabulary (tokens by id) and its class names in logit order,
    from the page's model.safetensors (PATH) and vocab.json (VOCAB): docs/safetensors.md's lines."""
    with safe_open(PATH, "pt") as f:
        meta = f.metadata()
    vocab = json.load(open(VOCAB))
    model = LSTMClassifier(len(vocab), int(meta["embed_dim"]), int(meta["hidden_dim"]), int(meta["output_dim"]),
                           num_layers=int(meta["num_layers"]), bidirectional=meta["bidirectional"] == "true")
    model.load_state_dict(load_file(PATH))
    model.eval()
    classes = json.loads(meta["classes"]) if "classes" in meta else [str(k) for k in range(int(meta["output_dim"]))]
    return model, vocab, classes


def predict(model, vocab, classes, sentences):
    """Each sentence's class and probabilities, the sentences read as one padded batch."""
    ids = {t: i for i, t in enumerate(vocab)}
    seqs = [[ids.get(t, 1) for t in tokenize(s)] or [1] for s in sentences]
    lengths = torch.tensor([len(s) for s in seqs])
    text = torch.zeros(len(seqs), int(lengths.max()), dtype=torch.long)
    for b, s in enumerate(seqs):
        text[b, : len(s)] = torch.tensor(s)
    with torch.no_grad():
        probs = model(text, lengths).softmax(dim=1)
    return [(classes[int(p.argmax())], p.tolist()) for p in probs]


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit("usage: python3 lstm_classifier.py MODEL.safetensors VOCAB.json SENTENCE [SENTENCE ...]")
    model, vocab, classes = load(sys.argv[1], sys.argv[2])
    for sentence, (label, probs) in zip(sys.argv[3:], predict(model, vocab, classes, sys.argv[3:])):
        print(f"{label}\t" + "  ".join(f"{c} {p:.3f}" for c, p in zip(classes, probs)) + f"\t{sentence}")
