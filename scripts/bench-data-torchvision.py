#!/usr/bin/env python3
"""torchvision's side of `descent bench --workloads data-folder`: one shuffled epoch of an image folder through
torchvision's ImageFolder + DataLoader (Pillow decoding; RandomHorizontalFlip, RandomCrop with 4-pixel padding,
ToTensor), batches of 64, the same number of worker processes, on the same files: FOLDER/jpeg (224×224 JPEGs) and
FOLDER/png (32×32 PNGs). Prints one JSON line: images/s of each, and peak RSS — of the main process, the largest
worker, and their sum (main + workers × the largest worker, what the machine had to hold at once at most).

Usage: python3 scripts/bench-data-torchvision.py FOLDER [--workers 2] [--threads 2] [--generate]
--generate writes FOLDER first (1,024 JPEGs and 4,096 PNGs of the same kind of pictures as DataFolderWorkload.generate,
made with NumPy + Pillow); then `descent bench --workloads data-folder --data-folder FOLDER --workers N` reads the
very same files.
"""
import argparse, json, os, resource, time

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def generate(root):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(21)
    for kind, side, count in [("jpeg", 224, 1024), ("png", 32, 4096)]:
        y, x = np.mgrid[0:side, 0:side]
        for i in range(count):
            c = i % 4
            folder = os.path.join(root, kind, f"class{c}")
            os.makedirs(folder, exist_ok=True)
            blocks = (side + 7) // 8
            n = rng.integers(0, 24, size=(blocks, blocks, 3)).repeat(8, 0).repeat(8, 1)[:side, :side]
            base = np.stack([(x * (c + 1) // 2 + i) % 232, (y * (c + 2) // 3) % 232, ((x + y) // (c + 1)) % 232], -1)
            img = Image.fromarray((base + n).astype(np.uint8))
            name = os.path.join(folder, f"{i:05d}." + ("jpg" if kind == "jpeg" else "png"))
            img.save(name, quality=90) if kind == "jpeg" else img.save(name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--generate", action="store_true", help="write the folder first (as DataFolderWorkload does)")
    a = ap.parse_args()
    if a.generate:
        generate(a.folder)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    line = {"framework": "torchvision", "workload": "data-folder"}
    for kind, side in [("jpeg", 224), ("png", 32)]:
        augment = transforms.Compose(
            [transforms.RandomHorizontalFlip(), transforms.RandomCrop(side, padding=4), transforms.ToTensor()]
        )
        start = time.perf_counter()
        images = datasets.ImageFolder(os.path.join(a.folder, kind), transform=augment)
        scan = time.perf_counter() - start
        loader = DataLoader(images, batch_size=a.batch, shuffle=True, num_workers=a.workers)
        seen = 0
        start = time.perf_counter()
        for x, _ in loader:
            seen += x.shape[0]
        dt = time.perf_counter() - start
        line[f"{kind}_images"] = len(images)
        line[f"{kind}_images_per_s"] = round(seen / dt, 3)
        line[f"{kind}_scan_s"] = round(scan, 3)
    main_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    line.update(
        batch=a.batch, workers=a.workers, threads=a.threads, peak_rss_mb=round(main_mb, 1),
        worker_peak_rss_mb=round(worker_mb, 1), total_peak_rss_mb=round(main_mb + a.workers * worker_mb, 1),
        torch=torch.__version__,
    )
    print(json.dumps(line))


if __name__ == "__main__":
    main()
