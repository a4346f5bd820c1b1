"""PyTorch's side of scripts/bench-rnn.sh's Part 3: a 2-layer LSTM or GRU character model's
training step on Tiny Shakespeare, timed, with 08-lstm's model, data, batch, optimiser and
threads.

The model is 08-lstm's: characters read as one-hot vectors by a 2-layer `nn.LSTM` or `nn.GRU`
(hidden 256, dropout 0.1 between the layers; a one-hot input times W_ih is 08-lstm's lookup),
then a linear read-out. Truncated backpropagation through time as in 08-lstm: B streams of the
first 90% of the text, T characters a step, the state carried (detached) from window to
window, cross-entropy, global gradient-norm clipping, Adam.

Prints one JSON line: the median and mean milliseconds per training step (after warm-up).

    python3 scripts/bench_lstm.py data/text/tinyshakespeare.txt --cell lstm --steps 100 --threads 2
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("text")
parser.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
parser.add_argument("--hidden", type=int, default=256)
parser.add_argument("--layers", type=int, default=2)
parser.add_argument("--seq-len", type=int, default=64)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--lr", type=float, default=2e-3)
parser.add_argument("--clip", type=float, default=1.0)
parser.add_argument("--steps", type=int, default=100, help="timed steps, after the warm-up")
parser.add_argument("--warmup", type=int, default=10)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--seed", type=int, default=42)
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
text = open(args.text, encoding="utf-8").read()
text = text[: len(text) - round(len(text) * 0.1)]  # the training split
chars = sorted(set(text))
vocab = len(chars)
index = {c: i for i, c in enumerate(chars)}
data = torch.tensor([index[c] for c in text], dtype=torch.long)

Cell = nn.LSTM if args.cell == "lstm" else nn.GRU
rnn = Cell(vocab, args.hidden, num_layers=args.layers, dropout=0.1, batch_first=True)
out = nn.Linear(args.hidden, vocab)
params = list(rnn.parameters()) + list(out.parameters())
optimizer = torch.optim.Adam(params, lr=args.lr)
B, T = args.batch_size, args.seq_len
stream_len = len(data) // B
streams = data[: B * stream_len].view(B, stream_len)


def zero_state():
    h = torch.zeros(args.layers, B, args.hidden)
    return (h, torch.zeros_like(h)) if args.cell == "lstm" else h


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


state = zero_state()
times, position, loss = [], 0, None
for step in range(args.warmup + args.steps):
    if position + T + 1 > stream_len:
        position, state = 0, zero_state()
    x = streams[:, position : position + T]
    y = streams[:, position + 1 : position + T + 1]
    started = time.perf_counter()
    hs, state = rnn(F.one_hot(x, vocab).float(), state)
    loss = F.cross_entropy(out(hs).reshape(-1, vocab), y.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, args.clip)
    optimizer.step()
    state = detach(state)
    elapsed = time.perf_counter() - started
    if step >= args.warmup:
        times.append(elapsed)
    position += T
print(
    json.dumps(
        {
            "implementation": f"PyTorch nn.{'LSTM' if args.cell == 'lstm' else 'GRU'} 2 x {args.hidden}",
            "cell": args.cell,
            "version": torch.__version__,
            "threads": torch.get_num_threads(),
            "steps": args.steps,
            "ms_per_step_median": round(1000 * statistics.median(times), 2),
            "ms_per_step_mean": round(1000 * statistics.fmean(times), 2),
            "final_train_loss": round(loss.item(), 4),
        }
    )
)
