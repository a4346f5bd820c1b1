"""PyTorch's side of scripts/bench-transformer.sh: a character GPT training step on Tiny
Shakespeare, timed, with the same model, data, batch, optimiser and threads as 09-transformer.

The model is 09-transformer's (and nanoGPT's): token and learned position embeddings,
pre-LayerNorm blocks of causal multi-head self-attention (one Linear for q, k, v, attention
written out as matmul, mask, softmax, matmul) and a GELU (tanh form) MLP, a final LayerNorm
and an untied linear head; dropout 0. Training: B random windows of T characters from the
first 90% of the text, mean cross-entropy, global gradient-norm clipping at 1, AdamW
(betas 0.9, 0.99; weight decay 0.1 on matrices only). `--sdpa` uses PyTorch's fused
`scaled_dot_product_attention` instead of the written-out attention (reported as its own
row).

Prints one JSON line: the median and mean milliseconds per training step (after warm-up
steps), and the training loss at the end.

    python3 scripts/bench_transformer.py data/text/tinyshakespeare.txt --steps 200 --threads 2
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("text")
parser.add_argument("--layers", type=int, default=4)
parser.add_argument("--heads", type=int, default=4)
parser.add_argument("--width", type=int, default=128)
parser.add_argument("--seq-len", type=int, default=64)
parser.add_argument("--batch-size", type=int, default=12)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--steps", type=int, default=200, help="timed steps, after the warm-up")
parser.add_argument("--warmup", type=int, default=20)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--sdpa", action="store_true")
parser.add_argument("--seed", type=int, default=42)
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)

text = open(args.text, encoding="utf-8").read()
chars = sorted(set(text))
index = {c: i for i, c in enumerate(chars)}
ids = torch.tensor([index[c] for c in text[: int(0.9 * len(text))]], dtype=torch.long)
V, C, T, B, H = len(chars), args.width, args.seq_len, args.batch_size, args.heads


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.qkv, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.fc, self.out = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)
        self.register_buffer("mask", torch.full((T, T), float("-inf")).triu(1))

    def attend(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, H, c // H).transpose(1, 2) for z in (q, k, v))
        if args.sdpa:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            scores = q @ k.transpose(-2, -1) / math.sqrt(c // H) + self.mask[:t, :t]
            y = scores.softmax(dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, c))

    def forward(self, x):
        x = x + self.attend(self.ln1(x))
        return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens, self.positions = nn.Embedding(V, C), nn.Embedding(T, C)
        self.blocks = nn.Sequential(*[Block() for _ in range(args.layers)])
        self.ln_f, self.head = nn.LayerNorm(C), nn.Linear(C, V)

    def forward(self, x):
        h = self.tokens(x) + self.positions(torch.arange(x.shape[1]))
        return self.head(self.ln_f(self.blocks(h)))


model = Gpt()
decay = [p for n, p in model.named_parameters() if p.dim() == 2 and "positions" not in n]
plain = [p for n, p in model.named_parameters() if not (p.dim() == 2 and "positions" not in n)]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                         {"params": plain, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.99))
gen = torch.Generator().manual_seed(args.seed)
times = []
for step in range(args.warmup + args.steps):
    started = time.perf_counter()
    starts = torch.randint(len(ids) - T - 1, (B,), generator=gen)
    x = torch.stack([ids[s : s + T] for s in starts])
    y = torch.stack([ids[s + 1 : s + T + 1] for s in starts])
    loss = F.cross_entropy(model(x).view(-1, V), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if step >= args.warmup:
        times.append(time.perf_counter() - started)

print(json.dumps({
    "implementation": "PyTorch" + (" (fused scaled_dot_product_attention)" if args.sdpa else ""),
    "version": torch.__version__,
    "threads": args.threads,
    "ms_per_step_median": 1000 * statistics.median(times),
    "ms_per_step_mean": 1000 * statistics.mean(times),
    "final_train_loss": loss.item(),
}))
