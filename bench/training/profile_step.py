#!/usr/bin/python3
"""profile_step.py: one PyTorch training step of the same network as the C++ peer
(bench/training/profile_step_main.cc), after warm-up steps, under torch's
profiler; writes a Chrome trace."""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pytorch_darts  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--genome", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch_size", type=int, default=64)
    p.add_argument("--warmup_steps", type=int, default=5)
    p.add_argument("--init_channels", type=int, default=16)
    p.add_argument("--cells", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--channels_last", action="store_true",
                   help="convolution weights and batches channels-last")
    p.add_argument("--trace", required=True)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    x, y = pytorch_darts.load_idx_train(args.data)
    net, sgd = pytorch_darts.make(pytorch_darts.parse_genome(args.genome), x, args)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    net = net.to(memory_format=memory_format)
    b = args.batch_size
    for i in range(args.warmup_steps + 1):
        images, labels = x[i * b:(i + 1) * b].contiguous(memory_format=memory_format), y[i * b:(i + 1) * b].contiguous()
        if i < args.warmup_steps:
            pytorch_darts.step(net, sgd, images, labels)
            continue
        with torch.autograd.profiler.profile(use_kineto=False) as prof:
            pytorch_darts.step(net, sgd, images, labels)
        prof.export_chrome_trace(args.trace)


if __name__ == "__main__":
    main()
