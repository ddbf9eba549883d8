#!/usr/bin/env python3
"""Trains the "unet" segmenter's net with PyTorch (CUDA or CPU) on samples that
`ecgdig train --export-samples` wrote, and saves a state dict that
`ecgdig train --import-state` turns into weights for the C++ library.

The net, the loss and the optimizer are those of src/train/unet_trainer.cpp;
this script is for machines with a GPU and Python's torch but no LibTorch C++
build. On top of the exported crops it flips, jitters colours and permutes
channels on the GPU, since exported samples are fewer than rendered ones.

  ecgdig train --export-samples -o samples --steps 1300 --batch 2 --crop 256 --long-side 1536
  scripts/train_unet.py samples -o run --width 8 --minutes 8 --device cuda
  ecgdig train --import-state run/unet_state.pt -o models --long-side 1536
"""
import argparse
import csv
import glob
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

LEVELS = 5
CLASSES = 4  # background, trace, grid, text
SIDE_MULTIPLE = 1 << (LEVELS - 1)
FINAL_LR_FRACTION = 0.01
DICE_SMOOTH = 1.0


class Block(nn.Module):
    """Two 3x3 convolutions with batch norm and ReLU; depthwise-separable on coarse levels."""

    def __init__(self, cin, cout, separable):
        super().__init__()
        layers, c = [], cin
        for _ in range(2):
            if separable:
                layers += [nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False), nn.Conv2d(c, cout, 1, bias=False)]
            else:
                layers += [nn.Conv2d(c, cout, 3, padding=1, bias=False)]
            layers += [nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            c = cout
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


class UNet(nn.Module):
    """Parameter names and order equal the C++ UnetNet's, so its state dict imports."""

    def __init__(self, width):
        super().__init__()
        widths = [width << level for level in range(LEVELS)]
        for level in range(LEVELS):
            cin = 3 if level == 0 else widths[level - 1]
            self.add_module(f"down{level}", Block(cin, widths[level], level > 0))
        for level in range(LEVELS - 1):
            self.add_module(f"up{level}", Block(widths[level + 1] + widths[level], widths[level], level > 0))
        self.head = nn.Conv2d(widths[0], CLASSES, 1)

    def forward(self, x):
        skips = []
        for level in range(LEVELS):
            if level:
                x = F.max_pool2d(x, 2)
            x = getattr(self, f"down{level}")(x)
            skips.append(x)
        for level in range(LEVELS - 2, -1, -1):
            x = F.interpolate(x, size=skips[level].shape[-2:], mode="nearest")
            x = getattr(self, f"up{level}")(torch.cat([x, skips[level]], 1))
        return self.head(x)


def segmentation_loss(logits, labels, gamma):
    """Class-balanced soft Dice plus focal loss, as in the C++ trainer."""
    log_probs = torch.log_softmax(logits.float(), 1)
    probs = log_probs.exp()
    one_hot = F.one_hot(labels, CLASSES).permute(0, 3, 1, 2).float()
    dims = (0, 2, 3)
    intersection = (probs * one_hot).sum(dims)
    total = probs.sum(dims) + one_hot.sum(dims)
    dice = (2 * intersection + DICE_SMOOTH) / (total + DICE_SMOOTH)
    log_pt = log_probs.gather(1, labels.unsqueeze(1))
    focal = -((1 - log_pt.exp()) ** gamma * log_pt).mean()
    return (1 - dice.mean()) + focal


def read_bgr(path):
    return np.ascontiguousarray(np.asarray(Image.open(path).convert("RGB"))[:, :, ::-1])


def read_labels(path):
    return np.asarray(Image.open(path))


def load_samples(folders):
    """Exported crops of every folder as uint8 tensors: N x 3 x C x C (BGR) and N x C x C."""
    images, labels = [], []
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(folder, "train", "*.jpg"))):
            images.append(read_bgr(path).transpose(2, 0, 1))
            labels.append(read_labels(path[: -len(".jpg")] + "_labels.png"))
    if not images:
        raise SystemExit(f"no samples (train/*.jpg) in {folders}")
    return torch.from_numpy(np.stack(images)), torch.from_numpy(np.stack(labels).astype(np.int64))


def load_validation(folders):
    pages = []
    for folder in folders[:1]:
        for path in sorted(glob.glob(os.path.join(folder, "val", "[0-9][0-9][0-9].png"))):
            pages.append((read_bgr(path), read_labels(path[: -len(".png")] + "_labels.png")))
    return pages


def net_input(bgr_uint8):
    """N x 3 x H x W uint8 BGR -> float in about [-1, 1], like the C++ unet_input()."""
    return bgr_uint8.float().div_(127.5).sub_(1.0)


def augment(images, labels, generator):
    """Random flips, channel permutation, grey copies, contrast and brightness, per crop."""
    n = images.shape[0]
    dev = images.device
    r = lambda *shape: torch.rand(*shape, generator=generator, device=dev)
    x = images.float()
    flip_h = r(n) < 0.5
    flip_v = r(n) < 0.3
    x = torch.where(flip_h[:, None, None, None], x.flip(3), x)
    labels = torch.where(flip_h[:, None, None], labels.flip(2), labels)
    x = torch.where(flip_v[:, None, None, None], x.flip(2), x)
    labels = torch.where(flip_v[:, None, None], labels.flip(1), labels)
    permute = r(n) < 0.3
    order = torch.argsort(r(n, 3), dim=1)
    permuted = torch.gather(x, 1, order[:, :, None, None].expand_as(x))
    x = torch.where(permute[:, None, None, None], permuted, x)
    grey = r(n) < 0.15
    x = torch.where(grey[:, None, None, None], x.mean(1, keepdim=True).expand_as(x), x)
    contrast = 0.75 + 0.5 * r(n, 1, 1, 1)
    brightness = 40 * (r(n, 1, 1, 1) - 0.5)
    x = ((x - 128) * contrast + 128 + brightness).clamp(0, 255)
    return x.div_(127.5).sub_(1.0), labels


@torch.no_grad()
def validate(net, pages, device):
    net.eval()
    inter = np.zeros(CLASSES)
    union = np.zeros(CLASSES)
    for bgr, truth in pages:
        x = net_input(torch.from_numpy(bgr).permute(2, 0, 1)[None]).to(device)
        h, w = x.shape[-2:]
        x = F.pad(x, (0, (-w) % SIDE_MULTIPLE, 0, (-h) % SIDE_MULTIPLE), mode="replicate")
        predicted = net(x.contiguous(memory_format=torch.channels_last))[0, :, :h, :w].argmax(0).cpu().numpy()
        for c in range(1, CLASSES):
            p, t = predicted == c, truth == c
            inter[c] += np.logical_and(p, t).sum()
            union[c] += np.logical_or(p, t).sum()
    net.train()
    return [inter[c] / union[c] if union[c] else 0.0 for c in range(1, CLASSES)]


def initial_state(path):
    """A state dict from scripts/train_unet.py's unet_state.pt or from an ecgdig weights file (models/unet.pt)."""
    try:
        # ecgdig's weights files are torch::serialize archives: a module whose "model" holds the net
        return torch.jit.load(path, map_location="cpu").model.state_dict()
    except RuntimeError:
        return torch.load(path, map_location="cpu")


def save_state(net, out):
    state = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    torch.save(state, os.path.join(out, "unet_state.pt.tmp"))
    os.replace(os.path.join(out, "unet_state.pt.tmp"), os.path.join(out, "unet_state.pt"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("samples", nargs="+", help="folders written by `ecgdig train --export-samples`")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=300, help="linear warm-up steps")
    ap.add_argument("--focal-gamma", type=float, default=2.0)
    ap.add_argument("--steps", type=int, default=0, help="schedule length in steps")
    ap.add_argument("--minutes", type=float, default=0, help="schedule length in wall minutes (instead of --steps)")
    ap.add_argument("--init", help="start from these weights (unet_state.pt or an ecgdig unet.pt) instead of random ones")
    ap.add_argument("--val-every", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()
    if (args.steps > 0) == (args.minutes > 0):
        raise SystemExit("give exactly one of --steps and --minutes")

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    os.makedirs(args.out, exist_ok=True)
    images, labels = load_samples(args.samples)
    images, labels = images.to(device), labels.to(device)
    pages = load_validation(args.samples)
    print(f"{images.shape[0]} crops, {len(pages)} validation pages, device {device}", flush=True)

    net = UNet(args.width)
    if args.init:
        net.load_state_dict(initial_state(args.init))
    net = net.to(device).to(memory_format=torch.channels_last)
    print(f"width {args.width}: {sum(p.numel() for p in net.parameters())} parameters", flush=True)
    optimizer = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    generator = torch.Generator(device=device)
    generator.manual_seed(args.seed)
    use_bf16 = device.type == "cuda"

    log = open(os.path.join(args.out, "train_log.csv"), "w", newline="")
    writer = csv.writer(log)
    writer.writerow(["step", "loss", "lr", "iou_trace", "iou_grid", "iou_text", "wall_s"])
    start = time.time()
    step = 0
    iou = [0.0, 0.0, 0.0]
    while True:
        elapsed = time.time() - start
        progress = elapsed / (60 * args.minutes) if args.minutes > 0 else step / args.steps
        if progress >= 1:
            break
        if step < args.warmup:
            lr = args.lr * (step + 1) / args.warmup
        else:
            lr = args.lr * (FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * progress)))
        for group in optimizer.param_groups:
            group["lr"] = lr
        idx = torch.randint(images.shape[0], (args.batch,), generator=generator, device=device)
        x, y = augment(images[idx], labels[idx], generator)
        x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bf16):
            logits = net(x)
        loss = segmentation_loss(logits, y, args.focal_gamma)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        validated = step % args.val_every == 0
        if validated or step % 100 == 0:
            loss_value = loss.item()
            if not math.isfinite(loss_value):
                raise SystemExit(f"loss is not finite at step {step} (lower --lr)")
            if validated and pages:
                iou = validate(net, pages, device)
            if validated:  # a run cut short still leaves its latest weights
                save_state(net, args.out)
            row = [step, f"{loss_value:.5f}", f"{lr:.3e}"]
            row += [f"{v:.4f}" for v in iou] if validated else ["", "", ""]
            writer.writerow(row + [f"{time.time() - start:.1f}"])
            log.flush()
            print(f"step {step} loss {loss_value:.4f} lr {lr:.2e} {time.time() - start:.0f} s"
                  + (f" IoU trace {iou[0]:.3f} grid {iou[1]:.3f} text {iou[2]:.3f}" if validated else ""),
                  flush=True)
    if pages:
        iou = validate(net, pages, device)
    save_state(net, args.out)
    writer.writerow([step, "", "", *[f"{v:.4f}" for v in iou], f"{time.time() - start:.1f}"])
    log.close()
    print(f"done: {step} steps in {time.time() - start:.0f} s; validation IoU trace {iou[0]:.3f} grid {iou[1]:.3f} "
          f"text {iou[2]:.3f}; {args.out}/unet_state.pt", flush=True)


if __name__ == "__main__":
    main()
