"""PyTorch's side of scripts/bench-rnn.sh: a character RNN training step on Tiny Shakespeare,
timed, with the same model, data, batch, optimiser and threads as 07-rnn's Part 2.

The model is 07-rnn's: characters read as one-hot vectors by `nn.RNN` (tanh, one layer, so
its input weights are 07-rnn's embedding; PyTorch adds a second bias, which changes nothing),
then a linear read-out. `--input embedding` runs the way PyTorch users usually write it,
`nn.Embedding(V, H)` before `nn.RNN(H, H)`, which adds an H×H input matrix: more work per
step, reported as a separate row. Training is truncated backpropagation through time as in
07-rnn: B streams of the first 90% of the text, T characters a step, the hidden state carried
(detached) from window to window, cross-entropy, global gradient-norm clipping, Adam.

Prints one JSON line: the median and mean milliseconds per training step (after warm-up
steps), and the training loss at the end.

    python3 scripts/bench_rnn.py data/text/tinyshakespeare.txt --steps 300 --threads 2
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
parser.add_argument("--hidden", type=int, default=256)
parser.add_argument("--seq-len", type=int, default=64)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--lr", type=float, default=2e-3)
parser.add_argument("--clip", type=float, default=1.0)
parser.add_argument("--steps", type=int, default=300, help="timed steps, after the warm-up")
parser.add_argument("--warmup", type=int, default=20)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--input", choices=["one-hot", "embedding"], default="one-hot")
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


class CharRnn(nn.Module):
    def __init__(self):
        super().__init__()
        if args.input == "embedding":
            self.embedding = nn.Embedding(vocab, args.hidden)
            self.rnn = nn.RNN(args.hidden, args.hidden, batch_first=True)
        else:
            self.embedding = None
            self.rnn = nn.RNN(vocab, args.hidden, batch_first=True)
        self.out = nn.Linear(args.hidden, vocab)

    def forward(self, x, h):
        x = self.embedding(x) if self.embedding is not None else F.one_hot(x, vocab).float()
        hs, h = self.rnn(x, h)  # [B, T, H], [1, B, H]
        return self.out(hs), h


model = CharRnn()
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
B, T = args.batch_size, args.seq_len
stream_len = len(data) // B
streams = data[: B * stream_len].view(B, stream_len)  # B contiguous streams, as 07-rnn
h = torch.zeros(1, B, args.hidden)
times, position, loss = [], 0, None
for step in range(args.warmup + args.steps):
    if position + T + 1 > stream_len:
        position, h = 0, torch.zeros(1, B, args.hidden)
    x = streams[:, position : position + T]
    y = streams[:, position + 1 : position + T + 1]
    started = time.perf_counter()
    logits, h = model(x, h)
    loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
    optimizer.step()
    h = h.detach()
    elapsed = time.perf_counter() - started
    if step >= args.warmup:
        times.append(elapsed)
    position += T
print(
    json.dumps(
        {
            "implementation": f"PyTorch nn.RNN ({args.input} input)",
            "version": torch.__version__,
            "threads": torch.get_num_threads(),
            "hidden": args.hidden,
            "seq_len": T,
            "batch_size": B,
            "steps": args.steps,
            "ms_per_step_median": round(1000 * statistics.median(times), 2),
            "ms_per_step_mean": round(1000 * statistics.fmean(times), 2),
            "final_train_loss": round(loss.item(), 4),
        }
    )
)
