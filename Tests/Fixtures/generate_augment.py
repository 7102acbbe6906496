"""Writes Tests/DescentDataTests/Fixtures/augment.json: torchvision's outputs for the deterministic cores of
Descent's image augmentation (affine, rotate, perspective, bilinear resize) on tiny images.

Run from the repository root: python3 Tests/Fixtures/generate_augment.py (needs torch and torchvision).
"""
import json
import os

import torch
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

BILINEAR = InterpolationMode.BILINEAR


def image(shape, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g)


def flat(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def main():
    cases = []
    grey = image((1, 5, 6), 1)
    rgb = image((3, 4, 7), 2)
    for img in (grey, rgb):
        for angle, translate, scale, shear in [
            (30.0, [1, -2], 1.2, [10.0, 5.0]),
            (-45.0, [0, 0], 0.9, [0.0, 0.0]),
            (0.0, [2, 1], 1.0, [-20.0, 0.0]),
            (90.0, [0, 0], 1.0, [0.0, 0.0]),
        ]:
            out = F.affine(img, angle=angle, translate=translate, scale=scale, shear=shear,
                           interpolation=BILINEAR, fill=None)
            cases.append({"op": "affine", "shape": list(img.shape), "input": flat(img), "angle": angle,
                          "translate": translate, "scale": scale, "shear": shear, "output": flat(out)})
        out = F.rotate(img, 17.0, interpolation=BILINEAR)
        cases.append({"op": "rotate", "shape": list(img.shape), "input": flat(img), "angle": 17.0,
                      "output": flat(out)})
        h, w = img.shape[-2], img.shape[-1]
        start = [[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]]
        end = [[1, 0], [w - 2, 1], [w - 1, h - 2], [0, h - 1]]
        out = F.perspective(img, start, end, interpolation=BILINEAR)
        cases.append({"op": "perspective", "shape": list(img.shape), "input": flat(img), "start": start,
                      "end": end, "output": flat(out)})
        for oh, ow in [(3, 4), (9, 11)]:
            out = F.resize(img, [oh, ow], interpolation=BILINEAR, antialias=False)
            cases.append({"op": "resize", "shape": list(img.shape), "input": flat(img), "size": [oh, ow],
                          "output": flat(out)})
    path = os.path.join(os.path.dirname(__file__), "..", "DescentDataTests", "Fixtures", "augment.json")
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
