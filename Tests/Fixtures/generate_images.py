#!/usr/bin/env python3
"""Image decoding and resizing fixtures for Tests/DescentDataTests (ImageFileTests, ImageResizeTests).

Writes small JPEG, PNG and WebP files with Pillow into Tests/DescentDataTests/Fixtures/images/ and, in
images.json, the pixels Pillow decodes from each (after `ImageOps.exif_transpose`; palette images converted to RGB
or, with transparency, RGBA; 16-bit grey scaled to 8 bits as Pillow's `convert("L")` does not — we store
`round(v / 257)`, the exact 16→8-bit scaling), and torchvision's antialiased bilinear `resize` of float images.

    python3 -m pip install pillow torchvision numpy
    python3 Tests/Fixtures/generate_images.py
"""
import io
import json
import os

import numpy as np
import torch
import torchvision.transforms.functional as F
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "DescentDataTests", "Fixtures", "images")
rng = np.random.default_rng(7)


def smooth(h, w, c):
    """A smooth random image (JPEG-friendly) as uint8 [h, w, c]."""
    y, x = np.mgrid[0:h, 0:w]
    planes = [127 + 100 * np.sin(x / (2 + k) + y / (3 + k) + k) + rng.normal(0, 8, (h, w)) for k in range(c)]
    return np.clip(np.stack(planes, -1), 0, 255).astype(np.uint8)


def exif_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def main():
    os.makedirs(OUT, exist_ok=True)
    files = {}
    rgb = Image.fromarray(smooth(9, 13, 3), "RGB")
    rgb.save(os.path.join(OUT, "rgb.jpg"), quality=90)
    Image.fromarray(smooth(11, 7, 1)[:, :, 0], "L").save(os.path.join(OUT, "grey.jpg"), quality=85)
    rgb.save(os.path.join(OUT, "exif6.jpg"), quality=90, exif=exif_orientation(6))
    rgb.save(os.path.join(OUT, "exif3.jpg"), quality=90, exif=exif_orientation(3))
    rgb.save(os.path.join(OUT, "rgb.png"))
    rgba = smooth(6, 5, 4)
    Image.fromarray(rgba, "RGBA").save(os.path.join(OUT, "rgba.png"))
    rgb.convert("P", palette=Image.ADAPTIVE, colors=16).save(os.path.join(OUT, "palette.png"))
    grey16 = (rng.integers(0, 65536, (4, 6))).astype(np.uint16)
    Image.fromarray(grey16).save(os.path.join(OUT, "grey16.png"))
    rgb.save(os.path.join(OUT, "lossless.webp"), lossless=True)
    for name in sorted(os.listdir(OUT)):
        if name.endswith(".json"):
            continue
        image = ImageOps.exif_transpose(Image.open(os.path.join(OUT, name)))
        if name == "grey16.png":
            array = np.round(np.asarray(image, dtype=np.float64) / 257).astype(np.uint8)[:, :, None]
        else:
            if image.mode == "P":
                image = image.convert("RGBA" if "transparency" in image.info else "RGB")
            array = np.asarray(image)
            if array.ndim == 2:
                array = array[:, :, None]
        files[name] = {"height": array.shape[0], "width": array.shape[1], "channels": array.shape[2],
                       "pixels": array.reshape(-1).tolist()}

    resizes = []
    for (c, h, w), (oh, ow) in [((3, 17, 23), (8, 10)), ((1, 5, 7), (9, 12)), ((3, 32, 32), (28, 28)),
                                ((1, 28, 28), (14, 7))]:
        x = torch.tensor(rng.random((c, h, w)), dtype=torch.float32)
        y = F.resize(x, [oh, ow], interpolation=F.InterpolationMode.BILINEAR, antialias=True)
        resizes.append({"shape": [c, h, w], "size": [oh, ow], "input": x.reshape(-1).tolist(),
                        "output": y.reshape(-1).tolist()})
    with open(os.path.join(OUT, "images.json"), "w") as f:
        json.dump({"files": files, "resize": resizes, "pillow": Image.__version__}, f)


if __name__ == "__main__":
    main()
