"""Converts labelled images into the service's TENSOR_FILE format.

Your data only has to end up as three things: uint8 (or float in [0, 1]) images
N x C x H x W, int64 labels N, and optionally the class names. This example
takes them from Fashion-MNIST's idx files (installed by Debian's
dataset-fashion-mnist); replace `load_images` with your own reader (PIL,
numpy, torchvision...).

    python3 make_tensor_file.py OUT.pt [N] [train|test]

(`test` takes Fashion-MNIST's test images: images the search never sees.)
"""
import gzip
import os
import sys

import torch

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def load_images(n, split):
    root = "/usr/share/datasets/fashion-mnist"
    prefix = "train" if split == "train" else "t10k"
    name = lambda base: next(os.path.join(root, f) for f in (base, base + ".gz")
                             if os.path.exists(os.path.join(root, f)))
    images = read_idx(name(prefix + "-images-idx3-ubyte"))[:n]
    labels = read_idx(name(prefix + "-labels-idx1-ubyte"))[:n]
    return images.unsqueeze(1), labels.to(torch.int64)  # N x 1 x 28 x 28, N


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    split = sys.argv[3] if len(sys.argv) > 3 else "train"
    images, labels = load_images(n, split)
    torch.save({"images": images, "labels": labels, "class_names": CLASS_NAMES}, out)
    print(f"wrote {out}: {tuple(images.shape)} {images.dtype}, {len(CLASS_NAMES)} classes")


if __name__ == "__main__":
    main()
