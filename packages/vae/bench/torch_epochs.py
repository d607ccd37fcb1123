#!/usr/bin/python3
"""The PyTorch side of epochs.bench.mjs: the pytorch/examples VAE (shared/anchors/ref_torch_vae.py,
784-400-20, BCE summed, Adam 1e-3, batch 128) trained for whole epochs on the real digits, timed per
epoch and per step, then log p(x) by importance sampling (K = 500) on the test digits, timed.

The caller pins the thread pools (OMP/MKL/OPENBLAS_NUM_THREADS) before this process starts; this
script sets torch's intra-op threads to the same number and inter-op threads to 1.

Usage: torch_epochs.py <anchors dir> <X_train.npy> <X_test.npy> <threads> <epochs> <iwae images (0 = skip)>
Prints one JSON line."""
import json
import sys
import time

import numpy as np
import torch

anchors, train_path, test_path = sys.argv[1:4]
threads, epochs, iwae_images = (int(v) for v in sys.argv[4:7])
sys.path.insert(0, anchors)
try:
    import scipy.linalg  # noqa: F401  (the anchor imports it for its PCA part, which is not run here)
except ImportError:  # a machine with python3-torch but not python3-scipy: the VAE needs none of it
    import types

    sys.modules["scipy"] = types.ModuleType("scipy")
    sys.modules["scipy.linalg"] = types.ModuleType("scipy.linalg")
from ref_torch_vae import VAE, iwae, vae_loss  # noqa: E402

torch.set_num_threads(threads)
torch.set_num_interop_threads(1)
torch.manual_seed(0)
x_train = torch.from_numpy(np.load(train_path))
x_test = torch.from_numpy(np.load(test_path))
model = VAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
n = x_train.shape[0]

epoch_seconds, step_ms = [], []
for epoch in range(epochs):
    model.train()
    order = torch.randperm(n)
    t_epoch = time.perf_counter()
    for start in range(0, n, 128):
        t0 = time.perf_counter()
        x = x_train[order[start:start + 128]]
        opt.zero_grad()
        recon, mu, logvar = model(x)
        loss = vae_loss(recon, x, mu, logvar)
        loss.backward()
        opt.step()
        loss.item()
        step_ms.append((time.perf_counter() - t0) * 1e3)
    epoch_seconds.append(time.perf_counter() - t_epoch)

with torch.no_grad():
    model.eval()
    recon, mu, logvar = model(x_test)
    test_loss = vae_loss(recon, x_test, mu, logvar).item() / x_test.shape[0]

out = {
    "side": f"pytorch-{threads}t",
    "torch": torch.__version__,
    "threads": threads,
    "epochSeconds": epoch_seconds,
    "fitSeconds": sum(epoch_seconds),
    "stepMs": step_ms,
    "testLoss": test_loss,
}
if iwae_images > 0:
    t0 = time.perf_counter()
    iwae(model, x_test[:iwae_images], K=500)
    out["iwaeImagesPerSecond"] = iwae_images / (time.perf_counter() - t0)
print(json.dumps(out))
