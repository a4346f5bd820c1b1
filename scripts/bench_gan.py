"""Trains 10-gan's MLP GAN on MNIST with PyTorch (CPU) and prints one JSON line: seconds per
epoch, peak RSS. Called by scripts/bench-gan.sh, which compares it with `10-gan --model mlp`;
the model, data, batch size, optimiser and thread count are the same.

    python scripts/bench_gan.py --data-dir data/mnist --batch-size 64 --threads 2 --epochs 3

The model (10-gan's `Arch::Mlp` with width W = 256 and a 64-number latent point):
generator 64 -> 256 -> 512 -> 784 with LeakyReLU(0.2) and tanh, discriminator
784 -> 512 -> 256 -> 1 with LeakyReLU(0.2), both with nn.Linear's default initialisation;
Adam (lr 2e-4, betas 0.5 and 0.999) for each; one step = a discriminator step on a real
batch and the generator's batch (detached), then a generator step on the same generated
batch with the non-saturating loss.
"""

import argparse
import gzip
import json
import os
import resource
import statistics
import struct
import sys
import time

import numpy as np


def read_idx(path):
    """An IDX file (gzipped or raw) as a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    (magic,) = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_train_images(folder):
    for name in ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return read_idx(path)
    sys.exit(f"{folder}: no train-images-idx3-ubyte(.gz); pass --data-dir with the MNIST files")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--latent", type=int, default=64)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    images = load_train_images(args.data_dir)
    x_all = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 127.5 - 1.0)
    w, z_size = args.width, args.latent
    generator = nn.Sequential(
        nn.Linear(z_size, w), nn.LeakyReLU(0.2),
        nn.Linear(w, 2 * w), nn.LeakyReLU(0.2),
        nn.Linear(2 * w, 784), nn.Tanh(),
    )
    discriminator = nn.Sequential(
        nn.Linear(784, 2 * w), nn.LeakyReLU(0.2),
        nn.Linear(2 * w, w), nn.LeakyReLU(0.2),
        nn.Linear(w, 1),
    )
    g_opt = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()

    n, b = len(x_all), args.batch_size
    epoch_seconds, d_loss, g_loss = [], float("nan"), float("nan")
    for epoch in range(args.epochs):
        started = time.perf_counter()
        order = torch.randperm(n)
        for start in range(0, n, b):
            real = x_all[order[start : start + b]]
            z = torch.randn(len(real), z_size)
            fake = generator(z)
            real_logits = discriminator(real)
            fake_logits = discriminator(fake.detach())
            d_loss = bce(real_logits, torch.ones_like(real_logits)) + bce(
                fake_logits, torch.zeros_like(fake_logits)
            )
            d_opt.zero_grad()
            d_loss.backward()
            d_opt.step()
            fake_logits = discriminator(fake)
            g_loss = bce(fake_logits, torch.ones_like(fake_logits))
            g_opt.zero_grad()
            g_loss.backward()
            g_opt.step()
        epoch_seconds.append(time.perf_counter() - started)
        print(
            f"epoch {epoch + 1}/{args.epochs}  d_loss {d_loss.item():.4f}  "
            f"g_loss {g_loss.item():.4f}  ({epoch_seconds[-1]:.1f} s)",
            file=sys.stderr,
        )
    # The same summary 10-gan reports: the median over epochs 2 and later (the first warms up).
    timed = epoch_seconds[1:] or epoch_seconds
    print(
        json.dumps(
            {
                "framework": "pytorch",
                "version": torch.__version__,
                "batch_size": b,
                "threads": args.threads,
                "epochs": args.epochs,
                "seconds_per_epoch": statistics.median(timed),
                "epoch_seconds": epoch_seconds,
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            }
        )
    )


if __name__ == "__main__":
    main()
