#!/usr/bin/python3
"""The PyTorch-Python peer of bench/training/training_throughput.

The same DARTS-cell networks as worker/model/darts_ops.cc and darts_network.cc
(stem 3x3 conv + BN with 3C channels, cells with reduction at cells//3 and
2*cells//3, ReLU-conv-BN / FactorizedReduce preprocessing, global average
pooling, linear classifier; the ops in their evaluation form), the same
Fashion-MNIST normalisation (one scalar mean and std), the same optimizer (SGD,
momentum 0.9, weight decay 3e-4, per-step cosine learning rate from 0.05,
gradient norm clipped at 5), the same thread count, batch and device (the
training tensors moved there once, as the trainer does). Two forms:
  end_to_end  as worker/training/trainer.cc: a shuffled order, each batch
              gathered with index_select from the training tensor;
  compute     the step over batches cut before the clock starts.
Prints one JSON object per genome, like the C++ binary.
"""
import argparse
import gzip
import json
import math
import os
import re
import struct
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

# DartsOp's order (common/genome/darts_genome.h): canonical pair order sorts by it.
OPS = ("sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5", "max_pool_3x3",
       "avg_pool_3x3", "skip_connect")


def parse_cell(text):
    nodes = []
    for node in text.split("|"):
        pairs = []
        for part in node.split("+"):
            m = re.fullmatch(r"\s*([a-z_0-9]+)\((\d+)\)\s*", part)
            if not m or m.group(1) not in OPS:
                raise ValueError(f"genome: cannot parse edge '{part}'")
            pairs.append((int(m.group(2)), OPS.index(m.group(1))))
        if len(pairs) != 2:
            raise ValueError(f"genome: node '{node}' must have two edges")
        nodes.append(sorted(pairs))
    return nodes


def parse_genome(text):
    m = re.fullmatch(r"\s*normal:(.*);\s*reduce:(.*)", text)
    if not m:
        raise ValueError("genome: expected 'normal: ... ; reduce: ...'")
    return parse_cell(m.group(1)), parse_cell(m.group(2))


def genome_text(genome):
    """Canonical text, as DartsGenomeToText writes it."""
    cell = lambda nodes: " | ".join("+".join(f"{OPS[op]}({i})" for i, op in n) for n in nodes)
    return f"normal: {cell(genome[0])} ; reduce: {cell(genome[1])}"


def conv(c_in, c_out, k, stride, padding, dilation=1, groups=1):
    return nn.Conv2d(c_in, c_out, k, stride=stride, padding=padding, dilation=dilation,
                     groups=groups, bias=False)


def dil_conv_layers(c_in, c_out, k, stride, padding, dilation):
    return [nn.ReLU(), conv(c_in, c_in, k, stride, padding, dilation, c_in),
            conv(c_in, c_out, 1, 1, 0), nn.BatchNorm2d(c_out)]


class FactorizedReduce(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv1 = conv(c_in, c_out // 2, 1, 2, 0)
        self.conv2 = conv(c_in, c_out - c_out // 2, 1, 2, 0)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        x = F.relu(x)
        shifted = F.pad(x[:, :, 1:, 1:], (0, 1, 0, 1))
        return self.bn(torch.cat([self.conv1(x), self.conv2(shifted)], 1))


def relu_conv_bn(c_in, c_out):
    return nn.Sequential(nn.ReLU(), conv(c_in, c_out, 1, 1, 0), nn.BatchNorm2d(c_out))


def make_op(op, c, stride):
    name = OPS[op]
    if name in ("sep_conv_3x3", "sep_conv_5x5"):
        k = 3 if name == "sep_conv_3x3" else 5
        return nn.Sequential(*dil_conv_layers(c, c, k, stride, k // 2, 1),
                             *dil_conv_layers(c, c, k, 1, k // 2, 1))
    if name == "dil_conv_3x3":
        return nn.Sequential(*dil_conv_layers(c, c, 3, stride, 2, 2))
    if name == "dil_conv_5x5":
        return nn.Sequential(*dil_conv_layers(c, c, 5, stride, 4, 2))
    if name == "max_pool_3x3":
        return nn.MaxPool2d(3, stride=stride, padding=1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    return nn.Identity() if stride == 1 else FactorizedReduce(c, c)


class Cell(nn.Module):
    def __init__(self, nodes, c_pp, c_p, c, reduces, reduction_prev):
        super().__init__()
        self.nodes = nodes
        self.preprocess0 = FactorizedReduce(c_pp, c) if reduction_prev else relu_conv_bn(c_pp, c)
        self.preprocess1 = relu_conv_bn(c_p, c)
        self.ops = nn.ModuleList(make_op(op, c, 2 if reduces and inp < 2 else 1)
                                 for node in nodes for inp, op in node)

    def forward(self, s0, s1):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for n, node in enumerate(self.nodes):
            states.append(self.ops[2 * n](states[node[0][0]]) +
                          self.ops[2 * n + 1](states[node[1][0]]))
        return torch.cat(states[2:], 1)


class DartsNetwork(nn.Module):
    def __init__(self, genome, in_channels, num_classes, init_channels, cells):
        super().__init__()
        normal, reduce = genome
        c = init_channels
        c_stem = 3 * c
        self.stem = nn.Sequential(conv(in_channels, c_stem, 3, 1, 1), nn.BatchNorm2d(c_stem))
        c_pp, c_p, reduction_prev = c_stem, c_stem, False
        self.cells = nn.ModuleList()
        for i in range(cells):
            reduction = i == cells // 3 or i == 2 * cells // 3
            if reduction:
                c *= 2
            spec = reduce if reduction else normal
            self.cells.append(Cell(spec, c_pp, c_p, c, reduction, reduction_prev))
            reduction_prev = reduction
            c_pp, c_p = c_p, len(spec) * c
        self.classifier = nn.Linear(c_p, num_classes)

    def forward(self, x):
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(F.adaptive_avg_pool2d(s1, 1).flatten(1))


def load_idx_train(directory):
    """Images [N, 1, 28, 28] normalised by one scalar mean and std, labels [N]."""
    def read(name):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                return f.read()
        with gzip.open(path + ".gz", "rb") as f:
            return f.read()
    images = read("train-images-idx3-ubyte")
    labels = read("train-labels-idx1-ubyte")
    magic, n, rows, cols = struct.unpack(">IIII", images[:16])
    if magic != 0x803 or struct.unpack(">II", labels[:8]) != (0x801, n):
        raise ValueError(f"{directory}: not a matching pair of idx files")
    x = torch.from_numpy(np.frombuffer(images, np.uint8, offset=16).copy()).float()
    x = ((x - x.mean()) / x.std()).reshape(n, 1, rows, cols)
    y = torch.from_numpy(np.frombuffer(labels, np.uint8, offset=8).astype(np.int64))
    return x, y


def make(genome, x, args):
    torch.manual_seed(args.seed)
    net = DartsNetwork(genome, x.size(1), 10, args.init_channels, args.cells).to(x.device)
    net.train()
    sgd = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=3e-4)
    return net, sgd


def step(net, sgd, images, labels):
    loss = F.cross_entropy(net(images), labels)
    if not math.isfinite(loss.item()):
        raise RuntimeError("non-finite loss")
    sgd.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(net.parameters(), 5.0)
    sgd.step()


def end_to_end(genome, x, y, args):
    """The trainer's loop: shuffled order, index_select batches, cosine lr."""
    net, sgd = make(genome, x, args)
    total = args.warmup_steps + args.steps
    n = total * args.batch_size
    order = torch.randperm(n, generator=torch.Generator().manual_seed(args.seed)).to(x.device)
    images, labels = x[:n], y[:n]
    start = None
    for s in range(total):
        if s == args.warmup_steps:
            start = time.perf_counter()
        for group in sgd.param_groups:
            group["lr"] = 0.5 * 0.05 * (1 + math.cos(math.pi * s / total))
        batch = order[s * args.batch_size:(s + 1) * args.batch_size]
        step(net, sgd, images.index_select(0, batch), labels.index_select(0, batch))
    return args.steps * args.batch_size / (time.perf_counter() - start), net


def compute_only(genome, x, y, args, memory_format=torch.contiguous_format):
    """The step over batches prepared in advance, weights and batches in memory_format."""
    net, sgd = make(genome, x, args)
    net = net.to(memory_format=memory_format)
    b = args.batch_size
    batches = [(x[i * b:(i + 1) * b].contiguous(memory_format=memory_format),
                y[i * b:(i + 1) * b].contiguous())
               for i in range(args.warmup_steps + args.steps)]
    start = None
    for s, (images, labels) in enumerate(batches):
        if s == args.warmup_steps:
            start = time.perf_counter()
        step(net, sgd, images, labels)
    return args.steps * b / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--genomes", required=True, type=lambda s: s.split(","),
                        help="DARTS genomes, canonical text, comma-separated")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--warmup_steps", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--init_channels", type=int, default=16)
    parser.add_argument("--cells", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    x, y = load_idx_train(args.data)
    x, y = x.to(device), y.to(device)
    for text in args.genomes:
        genome = parse_genome(text)
        e2e, net = end_to_end(genome, x, y, args)
        compute = compute_only(genome, x, y, args)
        channels_last = compute_only(genome, x, y, args, torch.channels_last)
        print(json.dumps({
            "impl": "pytorch_python", "genome": genome_text(genome),
            "parameters": sum(p.numel() for p in net.parameters() if p.requires_grad),
            "threads": torch.get_num_threads(), "batch_size": args.batch_size,
            "steps": args.steps, "end_to_end_images_per_second": round(e2e, 2),
            "compute_images_per_second": round(compute, 2),
            "compute_channels_last_images_per_second": round(channels_last, 2),
            "torch_version": torch.__version__,
            "device": str(device),
        }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
