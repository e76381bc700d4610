"""Checks exported TorchScript models against the outputs of the C++ networks.

Usage: check_export.py MODEL.pt REFERENCE.pt [MODEL.pt REFERENCE.pt ...]

Each REFERENCE.pt holds a dict {"input": Tensor, "output": Tensor} written by
the C++ side (tests/export/python_check.h): a batch and what the network that
was exported computes on it. The model is loaded with torch.jit.load and run
on the input in eval mode; the largest absolute difference to the expected
output must be below 1e-5. Exits 0 when every pair matches, 1 otherwise.
Needs the torch module of the interpreter that runs it (Debian's
python3-torch for /usr/bin/python3).
"""

import sys

TOLERANCE = 1e-5


def main(argv):
    try:
        import torch
    except ImportError as e:
        print("FAIL: the Python interpreter %s cannot import torch (%s); install Debian's "
              "python3-torch (scripts/install_deps.sh does)" % (sys.executable, e))
        return 1
    args = argv[1:]
    if not args or len(args) % 2:
        print("usage: check_export.py MODEL.pt REFERENCE.pt [MODEL.pt REFERENCE.pt ...]")
        return 2
    failed = 0
    for model_path, reference_path in zip(args[0::2], args[1::2]):
        model = torch.jit.load(model_path, map_location="cpu")
        model.eval()
        # The file is one the C++ side wrote; PyTorch 2.6 and later refuse its
        # typed dict (torch.jit._pickle.restore_type_tag) unless told to trust it.
        reference = torch.load(reference_path, weights_only=False)
        with torch.no_grad():
            got = model(reference["input"])
        expected = reference["output"]
        if got.shape != expected.shape:
            print("FAIL %s: output shape %s, expected %s" %
                  (model_path, tuple(got.shape), tuple(expected.shape)))
            failed += 1
            continue
        diff = (got - expected).abs().max().item()
        ok = diff < TOLERANCE
        failed += 0 if ok else 1
        print("%s %s: %d outputs of shape %s, max abs diff %.3g (torch %s)" %
              ("ok" if ok else "FAIL", model_path, got.shape[0], tuple(got.shape), diff,
               torch.__version__))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
