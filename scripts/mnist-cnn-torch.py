#!/usr/bin/env python3
"""PyTorch's side of the end-to-end comparison with `descent train examples/mnist-cnn.yaml`: the same job, written
as a PyTorch user would write it, timed from start to the test accuracy.

The job (as examples/mnist-cnn.yaml): MNIST (IDX files from $DESCENT_DATA/mnist), 10% of the training images held
out for validation (stratified by class, seeded), ToTensor + Normalize((0.1307,), (0.3081,)) per sample in a
torchvision-style Dataset, DataLoader(batch_size=64, shuffle=True, num_workers=--workers); the W2 CNN (Conv2d
1→32 3×3 pad 1, ReLU, MaxPool 2; Conv2d 32→64 3×3 pad 1, ReLU, MaxPool 2; Flatten; Linear 3136→128, ReLU;
Linear 128→10); Adam lr 1e-3, CosineAnnealingLR(T_max=5) stepped per epoch; 5 epochs with a validation pass after
each; early stopping on the validation loss with patience 2, keeping the best epoch's weights; then the test split.

Prints one JSON line: wall seconds (start to test accuracy, data loading included), training samples per second
(over the epochs' training loops, as `descent train` reports it; and over the epochs with their validation passes),
the epochs run, test accuracy, peak RSS of the main process and of the largest loader worker.

Usage: scripts/mnist-cnn-torch.py [--threads 2] [--workers 1] [--epochs 5] [--seed 0]
"""
import argparse, copy, gzip, json, os, resource, struct, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def read_idx(path):
    """The array in an IDX file (gzip-compressed or not)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(folder, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            return path
    raise SystemExit(f"mnist-cnn-torch: {os.path.join(folder, name)}(.gz) is missing (set DESCENT_DATA)")


class MNISTImages(Dataset):
    """torchvision's MNIST with ToTensor() + Normalize(mean, std): one normalised [1, 28, 28] image per item."""

    def __init__(self, images, labels, mean=0.1307, std=0.3081):
        self.images, self.labels, self.mean, self.std = images, labels, mean, std

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        x = torch.from_numpy(self.images[i].astype(np.float32) / 255.0).unsqueeze(0)
        return (x - self.mean) / self.std, int(self.labels[i])


class CNN(nn.Module):
    """The W2 CNN of ../shared/bench/peer/README.md."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(3136, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def stratified_split(labels, fraction, seed):
    """Indices of (training, validation): `fraction` of each class held out, seeded."""
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        rng.shuffle(idx)
        k = int(round(fraction * len(idx)))
        val.extend(idx[:k])
        train.extend(idx[k:])
    return np.array(sorted(train)), np.array(sorted(val))


def evaluate(model, loader):
    """(mean loss, accuracy) over a loader, in eval mode without gradients."""
    model.eval()
    total, correct, loss = 0, 0, 0.0
    with torch.no_grad():
        for x, y in loader:
            out = model(x)
            loss += F.cross_entropy(out, y, reduction="sum").item()
            correct += (out.argmax(1) == y).sum().item()
            total += len(y)
    return loss / total, correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    start = time.perf_counter()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    folder = os.path.join(os.environ.get("DESCENT_DATA", "data"), "mnist")
    images = read_idx(find(folder, "train-images-idx3-ubyte"))
    labels = read_idx(find(folder, "train-labels-idx1-ubyte"))
    test_images = read_idx(find(folder, "t10k-images-idx3-ubyte"))
    test_labels = read_idx(find(folder, "t10k-labels-idx1-ubyte"))
    train_idx, val_idx = stratified_split(labels, 0.1, a.seed)
    train = MNISTImages(images[train_idx], labels[train_idx])
    val = MNISTImages(images[val_idx], labels[val_idx])
    test = MNISTImages(test_images, test_labels)
    persistent = a.workers > 0
    train_loader = DataLoader(train, batch_size=64, shuffle=True, num_workers=a.workers, persistent_workers=persistent)
    val_loader = DataLoader(val, batch_size=256, num_workers=a.workers, persistent_workers=persistent)
    test_loader = DataLoader(test, batch_size=256, num_workers=a.workers)

    model = CNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=a.epochs)
    best, best_state, waited, epochs_run, trained, train_time = float("inf"), None, 0, 0, 0, 0.0
    epochs_start = time.perf_counter()
    for epoch in range(a.epochs):
        model.train()
        epoch_start = time.perf_counter()
        for x, y in train_loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            trained += len(y)
        train_time += time.perf_counter() - epoch_start
        schedule.step()
        val_loss, val_acc = evaluate(model, val_loader)
        epochs_run += 1
        print(f"epoch {epoch + 1}: val_loss {val_loss:.4f} val_accuracy {val_acc:.4f}", flush=True)
        if val_loss < best:
            best, best_state, waited = val_loss, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if waited >= 2:
                break
    epochs_time = time.perf_counter() - epochs_start
    model.load_state_dict(best_state)
    _, test_acc = evaluate(model, test_loader)
    wall = time.perf_counter() - start
    print(json.dumps({"framework": f"pytorch-{torch.__version__}", "job": "mnist-cnn", "epochs": epochs_run,
                      "wall_s": round(wall, 2), "train_samples_per_s": round(trained / train_time, 1),
                      "samples_per_s_with_validation": round(trained / epochs_time, 1),
                      "test_accuracy": test_acc, "threads": a.threads, "workers": a.workers,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "peak_rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
