#!/usr/bin/env python3
"""Writes the example data sets of examples/data/ (run once; the files are committed, this shows how they were made).

  xor.csv                  2 inputs, 1 logistic target: the four corners of the unit square with noise, t = x1 XOR x2
  three-class.csv          2 inputs, 3 softmax targets one-hot: three noisy blobs
  three-class-labels.csv   the same examples with the class index 0..2 as one column (bpcheck grad --labels)

Standard library only; a fixed seed makes the files the same on every run: python3 examples/data/generate.py
"""
import os
import random

here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261204)


def noisy(v):
    return round(v + rng.uniform(-0.25, 0.25), 4)


with open(os.path.join(here, "xor.csv"), "w") as f:
    f.write("# XOR-like: the corners of the unit square with noise; t = 1 when exactly one input is near 1\n")
    f.write("x1,x2,t\n")
    for _ in range(2):
        for a in (0, 1):
            for b in (0, 1):
                f.write(f"{noisy(a)},{noisy(b)},{a ^ b}\n")

centres = [(-1.0, 0.5), (1.0, 0.75), (0.0, -1.0)]
rows = []
for _ in range(3):
    for c, (u, v) in enumerate(centres):
        rows.append((noisy(u), noisy(v), c))

with open(os.path.join(here, "three-class.csv"), "w") as f:
    f.write("# three noisy blobs; softmax targets one-hot (the same examples as three-class-labels.csv)\n")
    f.write("x1,x2,t0,t1,t2\n")
    for x1, x2, c in rows:
        f.write(f"{x1},{x2}," + ",".join("1" if k == c else "0" for k in range(3)) + "\n")

with open(os.path.join(here, "three-class-labels.csv"), "w") as f:
    f.write("# three noisy blobs; the class index 0..2 (bpcheck grad --labels reads it as one-hot)\n")
    f.write("x1,x2,class\n")
    for x1, x2, c in rows:
        f.write(f"{x1},{x2},{c}\n")
