"""Karpathy's min-char-rnn (https://gist.github.com/karpathy/d4dee566867f8291f086), ported to
Python 3 for scripts/bench-rnn.sh: the same model, settings and loop, run for a fixed number
of iterations and timed, so that 07-rnn's Part 1 can be compared with it side by side.

Changes from the original, none of which changes the work per iteration: Python 3; the
vocabulary sorted (the original's `list(set(data))` has a different order on every run); a
seed; a fixed number of iterations instead of `while True`; the training text is the first
90% of the file (07-rnn's training split); the samples and loss lines go to standard error.
The last line on standard output is JSON: iterations, seconds, iterations per second and the
smoothed loss per character.

    python3 scripts/min_char_rnn.py data/text/tinyshakespeare.txt --iterations 5000
"""
import argparse
import json
import sys
import time

import numpy as np

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("text")
parser.add_argument("--iterations", type=int, default=5000)
parser.add_argument("--seed", type=int, default=42)
parser.add_argument("--quiet", action="store_true", help="do not print the samples")
args = parser.parse_args()

np.random.seed(args.seed)
data = open(args.text, encoding="utf-8").read()
data = data[: len(data) - round(len(data) * 0.1)]  # the first 90%, as 07-rnn trains on
chars = sorted(set(data))
data_size, vocab_size = len(data), len(chars)
char_to_ix = {ch: i for i, ch in enumerate(chars)}
ix_to_char = {i: ch for i, ch in enumerate(chars)}

# hyperparameters (min-char-rnn's)
hidden_size = 100
seq_length = 25
learning_rate = 1e-1

# model parameters: numpy's column-vector layout, W·x
Wxh = np.random.randn(hidden_size, vocab_size) * 0.01
Whh = np.random.randn(hidden_size, hidden_size) * 0.01
Why = np.random.randn(vocab_size, hidden_size) * 0.01
bh = np.zeros((hidden_size, 1))
by = np.zeros((vocab_size, 1))


def loss_and_gradients(inputs, targets, hprev):
    """Forward over the chunk, then backpropagation through time; clipped gradients."""
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))  # one-hot
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys[t] = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1  # softmax + cross-entropy
        dWhy += np.dot(dy, hs[t].T)
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh  # through tanh
        dbh += dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    for dparam in [dWxh, dWhh, dWhy, dbh, dby]:
        np.clip(dparam, -5, 5, out=dparam)
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]


def sample(h, seed_ix, n):
    """n character ids drawn from the model, starting from hidden state h and seed_ix."""
    x = np.zeros((vocab_size, 1))
    x[seed_ix] = 1
    ixes = []
    for _ in range(n):
        h = np.tanh(np.dot(Wxh, x) + np.dot(Whh, h) + bh)
        y = np.dot(Why, h) + by
        p = np.exp(y) / np.sum(np.exp(y))
        ix = np.random.choice(range(vocab_size), p=p.ravel())
        x = np.zeros((vocab_size, 1))
        x[ix] = 1
        ixes.append(ix)
    return ixes


n, p = 0, 0
mWxh, mWhh, mWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
mbh, mby = np.zeros_like(bh), np.zeros_like(by)  # Adagrad's memory
smooth_loss = -np.log(1.0 / vocab_size) * seq_length
started = time.perf_counter()
while n < args.iterations:
    if p + seq_length + 1 >= len(data) or n == 0:
        hprev = np.zeros((hidden_size, 1))
        p = 0
    inputs = [char_to_ix[ch] for ch in data[p : p + seq_length]]
    targets = [char_to_ix[ch] for ch in data[p + 1 : p + seq_length + 1]]
    if n % 100 == 0:
        text = "".join(ix_to_char[ix] for ix in sample(hprev, inputs[0], 200))
        if not args.quiet:
            print("----\n %s \n----" % text, file=sys.stderr)
    loss, dWxh, dWhh, dWhy, dbh, dby, hprev = loss_and_gradients(inputs, targets, hprev)
    smooth_loss = smooth_loss * 0.999 + loss * 0.001
    if n % 100 == 0 and not args.quiet:
        print("iter %d, loss: %f" % (n, smooth_loss), file=sys.stderr)
    for param, dparam, mem in zip(
        [Wxh, Whh, Why, bh, by], [dWxh, dWhh, dWhy, dbh, dby], [mWxh, mWhh, mWhy, mbh, mby]
    ):
        mem += dparam * dparam
        param += -learning_rate * dparam / np.sqrt(mem + 1e-8)  # Adagrad
    p += seq_length
    n += 1
seconds = time.perf_counter() - started
print(
    json.dumps(
        {
            "implementation": "numpy min-char-rnn",
            "numpy": np.__version__,
            "iterations": n,
            "seconds": round(seconds, 3),
            "iterations_per_second": round(n / seconds, 1),
            "smooth_loss_per_char": round(float(smooth_loss) / seq_length, 4),
        }
    )
)
