#!/usr/bin/python3
"""Shrinks folders written by `ecgdig train --export-samples` for a trip to a
GPU machine: crops re-encoded as JPEG quality 80 and label PNGs written with
2 bits per pixel (classes 0-3 as palette indices, which read back as the same
values). A set of 2,800 crops goes from 90 to 45 MB. Needs Debian's python3-pil.

  scripts/pack_samples.py samples/ [more sample folders...]
"""
import glob
import os
import sys

from PIL import Image

PALETTE = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]  # background, trace, grid, text


def pack(folder):
    crops = sorted(glob.glob(os.path.join(folder, "train", "*.jpg")))
    if not crops:
        raise SystemExit(f"{folder}: no train/*.jpg (not written by ecgdig train --export-samples?)")
    for path in crops:
        labels_path = path[: -len(".jpg")] + "_labels.png"
        labels = Image.open(labels_path)
        if labels.mode == "P":
            continue  # packed already: a second JPEG pass would only lose more
        Image.open(path).save(path, quality=80)
        packed = labels.convert("P")  # L -> P keeps each value as its palette index
        packed.putpalette(PALETTE)
        packed.save(labels_path, bits=2, optimize=True)
    print(f"{folder}: {len(crops)} crops packed")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for folder in sys.argv[1:]:
        pack(folder)
