"""Trains the essay's Keras CNN on MNIST with TensorFlow-Keras or PyTorch (CPU) and prints one
JSON line: images/second per epoch, peak RSS and test accuracy. Called by scripts/bench-cnn.sh,
which compares it with `05-cnn`; the model, data, batch size and thread count are the same.

    python scripts/bench_cnn.py --framework tensorflow --batch-size 32 --threads 2 --epochs 5
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
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(folder):
    def one(name):
        for candidate in (name + ".gz", name):
            path = os.path.join(folder, candidate)
            if os.path.exists(path):
                return read_idx(path)
        sys.exit(f"{folder}: no {name}(.gz); pass --data-dir with the four MNIST files")

    return (
        one("train-images-idx3-ubyte"),
        one("train-labels-idx1-ubyte"),
        one("t10k-images-idx3-ubyte"),
        one("t10k-labels-idx1-ubyte"),
    )


def peak_rss_mib():
    # ru_maxrss is in KiB on Linux: the same VmHWM that 05-cnn reports.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_tensorflow(data, args):
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import tensorflow as tf
    from tensorflow import keras
    from tensorflow.keras import layers

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    tf.keras.utils.set_random_seed(args.seed)
    train_x, train_y, test_x, test_y = data
    train_x = (train_x.astype("float32") / 255.0)[..., None]  # [N, 28, 28, 1]
    test_x = (test_x.astype("float32") / 255.0)[..., None]

    # The essay's model, as it is written there.
    model = keras.Sequential(
        [
            keras.Input(shape=train_x.shape[1:]),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(int(train_y.max()) + 1),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.started)

    seconds = []
    model.fit(
        train_x,
        train_y,
        epochs=args.epochs,
        batch_size=args.batch_size,
        shuffle=True,
        verbose=0,
        callbacks=[Timer()],
    )
    _, accuracy = model.evaluate(test_x, test_y, batch_size=500, verbose=0)
    return tf.__version__, seconds, float(accuracy)


def run_pytorch(data, args):
    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)
    train_x, train_y, test_x, test_y = data
    train_x = torch.tensor(train_x, dtype=torch.float32).unsqueeze(1) / 255.0  # [N, 1, 28, 28]
    test_x = torch.tensor(test_x, dtype=torch.float32).unsqueeze(1) / 255.0
    train_y = torch.tensor(train_y, dtype=torch.long)
    test_y = torch.tensor(test_y, dtype=torch.long)
    side = train_x.shape[-1]
    flat = 64 * ((((side - 2) // 2 - 2) // 2) - 2) ** 2

    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(flat, 64), nn.ReLU(),
        nn.Linear(64, int(train_y.max()) + 1),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    seconds = []
    for _ in range(args.epochs):
        started = time.perf_counter()
        order = torch.randperm(len(train_x))
        model.train()
        for start in range(0, len(order), args.batch_size):
            idx = order[start : start + args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(train_x[idx]), train_y[idx])
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - started)
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(test_x), 500):
            logits = model(test_x[start : start + 500])
            correct += (logits.argmax(1) == test_y[start : start + 500]).sum().item()
    return torch.__version__, seconds, correct / len(test_x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=["tensorflow", "pytorch"], required=True)
    parser.add_argument("--data-dir", default=os.path.join(os.path.dirname(__file__), "../data/mnist"))
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--train-limit", type=int, help="train on the first N images only (a quick check)")
    args = parser.parse_args()
    data = load_mnist(args.data_dir)
    if args.train_limit:
        data = (data[0][: args.train_limit], data[1][: args.train_limit], data[2], data[3])
    run = run_tensorflow if args.framework == "tensorflow" else run_pytorch
    version, seconds, accuracy = run(data, args)
    n = len(data[0])
    speeds = [n / s for s in seconds]
    # Epoch 1 warms up (graph tracing, allocator): the median of epochs 2.. as for 05-cnn.
    steady = speeds[1:] if len(speeds) > 1 else speeds
    print(
        json.dumps(
            {
                "framework": args.framework,
                "version": version,
                "batch_size": args.batch_size,
                "threads": args.threads,
                "epochs": args.epochs,
                "examples_per_second": statistics.median(steady),
                "epoch_examples_per_second": speeds,
                "peak_rss_mib": peak_rss_mib(),
                "test_accuracy": accuracy,
            }
        )
    )


if __name__ == "__main__":
    main()
