"""bench_train.py - the loop of bench_train.c in NumPy, for `make bench`: the same data (written by bench_train),
the same 64-100-10 network with logistic hidden units and a softmax output, minibatches of 32, lr 0.1, momentum 0.9,
inputs standardised, the mean of eq. (38) and its gradient, eq. (26)-(31), by hand. Prints "ms_per_epoch N" last.

    python3 bench/bench_train.py PATH.csv [EPOCHS]"""
import sys
import time

import numpy as np

path = sys.argv[1]
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
raw = np.loadtxt(path, delimiter=",")
X, labels = raw[:, :-1], raw[:, -1].astype(int)
X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
T = np.eye(10)[labels]
rng = np.random.default_rng(1)
a1, a2 = np.sqrt(3 / 64), np.sqrt(3 / 100)
params = [rng.uniform(-a1, a1, (64, 100)), rng.uniform(-a1, a1, 100), rng.uniform(-a2, a2, (100, 10)),
          rng.uniform(-a2, a2, 10)]
velocity = [np.zeros_like(p) for p in params]
n, B, lr, mu = X.shape[0], 32, 0.1, 0.9
order = np.arange(n)
start = time.perf_counter()
for epoch in range(epochs):
    rng.shuffle(order)
    for s in range(0, n, B):
        idx = order[s:s + B]
        Xb, Tb = X[idx], T[idx]
        W1, b1, W2, b2 = params
        X1 = 1.0 / (1.0 + np.exp(-(Xb @ W1 + b1)))         # eq. (3), eq. (2)
        S2 = X1 @ W2 + b2
        S2 = S2 - S2.max(axis=1, keepdims=True)
        logZ = np.log(np.exp(S2).sum(axis=1, keepdims=True))
        loss = -(Tb * (S2 - logZ)).sum() / len(idx)          # eq. (38), mean over the batch
        dS2 = (np.exp(S2 - logZ) - Tb) / len(idx)            # eq. (26)
        dX1 = dS2 @ W2.T
        dS1 = dX1 * X1 * (1.0 - X1)                          # eq. (31)
        grads = [Xb.T @ dS1, dS1.sum(axis=0), X1.T @ dS2, dS2.sum(axis=0)]  # eq. (29)
        for p, v, g in zip(params, velocity, grads):
            v *= mu
            v -= lr * g
            p += v
elapsed = time.perf_counter() - start
print("numpy %s: 64-100-10, batch 32, %d epochs, last batch loss %.4f" % (np.__version__, epochs, loss))
print("ms_per_epoch %.3f" % (1e3 * elapsed / epochs))
