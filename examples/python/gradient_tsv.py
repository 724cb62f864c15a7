#!/usr/bin/env python3
"""Backprop for a two-layer network in NumPy, written as gradient.tsv for `bpcheck grad --gradient`.

  python3 gradient_tsv.py PARAMS.tsv DATA.csv logistic|softmax OUT.tsv [--plant MISTAKE]

PARAMS.tsv holds the weights by name (the `param` and `value` columns, as `bpcheck grad --format tsv` writes):
W1[j,i] is the weight from input j to hidden unit i, b1[i], W2[j,i], b2[i]. DATA.csv holds one example a line,
the inputs then the targets. OUT.tsv gets dE/dparam by the same names, E being the SUM over the examples of the
cross-entropy (eq. (36) logistic, eq. (38) softmax). --plant puts in one classic mistake:
  sign                    t - y for the output delta y - t, eq. (9), eq. (26)
  missing-derivative      the hidden delta without h(1 - h), eq. (12)
  transposed-propagation  the deltas sent down through W2 read as n2 x n1 (W[i*n1 + j] in C), eq. (13)
  bias-not-summed         each bias gradient from the last example only, eq. (16), eq. (29)
  mean-over-batch         the output delta divided by the batch size (the mean, not the sum), eq. (10)
"""
import sys
import numpy as np


def read_params(path):
    """{name: value} from the `param` and `value` columns of a TSV (comment lines start with '#')."""
    rows = [line.rstrip("\r\n").split("\t") for line in open(path) if line.strip() and not line.startswith("#")]
    p, v = rows[0].index("param"), rows[0].index("value")
    return {row[p].strip(): float(row[v]) for row in rows[1:]}


def matrix(params, layer, rows, cols):
    return np.array([[params[f"W{layer}[{j},{i}]"] for i in range(cols)] for j in range(rows)])


def read_csv(path):
    """The examples of a CSV: '#' comments and a first line of names skipped."""
    lines = [l.split("#")[0].strip() for l in open(path, encoding="utf-8-sig")]
    lines = [l for l in lines if l]
    try:
        float(lines[0].split(",")[0])
    except ValueError:
        lines = lines[1:]
    return np.array([[float(c) for c in l.split(",")] for l in lines])


def main():
    args, plant = sys.argv[1:5], sys.argv[6] if len(sys.argv) > 6 and sys.argv[5] == "--plant" else None
    params, data, output, out = read_params(args[0]), read_csv(args[1]), args[2], args[3]
    n1 = 1 + max(int(k[3:-1].split(",")[1]) for k in params if k.startswith("W1["))
    n2 = 1 + max(int(k[3:-1]) for k in params if k.startswith("b2["))
    n0 = data.shape[1] - n2
    W1, W2 = matrix(params, 1, n0, n1), matrix(params, 2, n1, n2)
    b1 = np.array([params[f"b1[{i}]"] for i in range(n1)])
    b2 = np.array([params[f"b2[{i}]"] for i in range(n2)])
    X, T = data[:, :n0], data[:, n0:]

    # ---- the backprop (about 15 lines): forward eq. (3), (2), (17); backward eq. (9)-(16), (26)-(31) ----
    h = 1 / (1 + np.exp(-(X @ W1 + b1)))                   # hidden activations, B x n1
    s2 = h @ W2 + b2                                        # output weighted sums, B x n2
    if output == "softmax":
        y = np.exp(s2 - s2.max(axis=1, keepdims=True))
        y /= y.sum(axis=1, keepdims=True)
    else:
        y = 1 / (1 + np.exp(-s2))
    d2 = (T - y) if plant == "sign" else (y - T)            # dE/ds2, eq. (9), eq. (26)
    if plant == "mean-over-batch":
        d2 = d2 / len(X)
    dh = d2 @ (W2.reshape(n2, n1) if plant == "transposed-propagation" else W2.T)  # dE/dh, eq. (13)
    d1 = dh if plant == "missing-derivative" else dh * h * (1 - h)                  # dE/ds1, eq. (12)
    dW1, dW2 = X.T @ d1, h.T @ d2                           # eq. (10), eq. (15)
    db1, db2 = (d1[-1], d2[-1]) if plant == "bias-not-summed" else (d1.sum(0), d2.sum(0))  # eq. (16)

    with open(out, "w") as f:
        f.write("param\tvalue\n")
        for l, (dW, db) in enumerate([(dW1, db1), (dW2, db2)], start=1):
            for j in range(dW.shape[0]):
                for i in range(dW.shape[1]):
                    f.write(f"W{l}[{j},{i}]\t{dW[j, i]!r}\n")
            for i in range(len(db)):
                f.write(f"b{l}[{i}]\t{db[i]!r}\n")


if __name__ == "__main__":
    main()
