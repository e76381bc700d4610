"""Classifies images with an exported search result, without this project.

The exported TorchScript module normalises its input itself and carries the
class names, so it takes images scaled to [0, 1]:

    python3 classify.py MODEL.pt IMAGES.pt
"""
import sys

import torch


def main():
    model = torch.jit.load(sys.argv[1])
    # Written by the worker's C++ side: PyTorch 2.6 and later refuse its typed
    # dict (torch.jit._pickle.restore_type_tag) unless told to trust the file.
    data = torch.load(sys.argv[2], weights_only=False)
    images = data["images"].float() / 255  # uint8 -> [0, 1]
    labels = data["labels"]
    with torch.no_grad():
        predicted = model(images).argmax(1)
    names = list(model.class_names)
    for i in range(5):
        print(f"image {i}: predicted {names[predicted[i]]!r}, labelled {names[labels[i]]!r}")
    accuracy = (predicted == labels).float().mean().item()
    print(f"accuracy on {len(labels)} images the search never saw: {accuracy:.3f}")


if __name__ == "__main__":
    main()
