#!/usr/bin/python3
"""The PyTorch side of epochs.bench.mjs: the pytorch/examples VAE or its deterministic autoencoder
(shared/anchors/ref_torch_vae.py, 784-400-20, BCE summed, Adam 1e-3, batch 128), or the Keras
example's convolutional VAE (shared/anchors/ref_torch_convvae.py's ConvVAE, batch-mean loss) trained for whole
epochs on the real digits, timed per epoch and per step; then, for the VAE, log p(x) by importance
sampling (K = 500) on the test digits, timed.

The caller pins the thread pools (OMP/MKL/OPENBLAS_NUM_THREADS) before this process starts; this
script sets torch's intra-op threads to the same number and inter-op threads to 1.

Usage: torch_epochs.py <anchors dir> <X_train.npy> <X_test.npy> <threads> <epochs> <iwae images (0 = skip)> [vae|ae|conv]
Prints one JSON line."""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

anchors, train_path, test_path = sys.argv[1:4]
threads, epochs, iwae_images = (int(v) for v in sys.argv[4:7])
kind = sys.argv[7] if len(sys.argv) > 7 else "vae"
sys.path.insert(0, anchors)
try:
    import scipy.linalg  # noqa: F401  (the anchor imports it for its PCA part, which is not run here)
except ImportError:  # a machine with python3-torch but not python3-scipy: the VAE needs none of it
    import types

    sys.modules["scipy"] = types.ModuleType("scipy")
    sys.modules["scipy.linalg"] = types.ModuleType("scipy.linalg")
from ref_torch_vae import AE, VAE, iwae, vae_loss  # noqa: E402

torch.set_num_threads(threads)
torch.set_num_interop_threads(1)
torch.manual_seed(0)
x_train = torch.from_numpy(np.load(train_path))
x_test = torch.from_numpy(np.load(test_path))


class ConvVAE(torch.nn.Module):
    """ref_torch_convvae.py's model, whose script runs its benchmark when imported: the same layers."""

    def __init__(self, latent=16):
        super().__init__()
        nn = torch.nn
        self.c1, self.c2 = nn.Conv2d(1, 32, 3, stride=2, padding=1), nn.Conv2d(32, 64, 3, stride=2, padding=1)
        self.fc, self.mu, self.lv = nn.Linear(3136, 256), nn.Linear(256, latent), nn.Linear(256, latent)
        self.d0 = nn.Linear(latent, 3136)
        self.t1 = nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1)
        self.t2 = nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1)
        self.t3 = nn.ConvTranspose2d(32, 1, 3, stride=1, padding=1)

    def loss(self, x):
        h = F.relu(self.fc(F.relu(self.c2(F.relu(self.c1(x)))).flatten(1)))
        mu, lv = self.mu(h), self.lv(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * lv)
        logits = self.t3(F.relu(self.t2(F.relu(self.t1(F.relu(self.d0(z)).view(-1, 64, 7, 7))))))
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        return (rec + 0.5 * torch.sum(mu.pow(2) + lv.exp() - lv - 1)) / x.shape[0]


if kind == "conv":
    x_train, x_test = x_train.view(-1, 1, 28, 28), x_test.view(-1, 1, 28, 28)
model = {"vae": VAE, "ae": AE, "conv": ConvVAE}[kind]()


def loss_of(x):
    if kind == "conv":
        return model.loss(x)  # the anchor's batch mean
    if kind == "ae":
        return F.binary_cross_entropy(model(x), x, reduction="sum")
    recon, mu, logvar = model(x)
    return vae_loss(recon, x, mu, logvar)


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
        loss = loss_of(x)
        loss.backward()
        opt.step()
        loss.item()
        step_ms.append((time.perf_counter() - t0) * 1e3)
    epoch_seconds.append(time.perf_counter() - t_epoch)

with torch.no_grad():
    model.eval()
    test_loss = loss_of(x_test).item() / (1 if kind == "conv" else x_test.shape[0])

out = {
    "side": f"pytorch-{threads}t",
    "model": kind,
    "torch": torch.__version__,
    "threads": threads,
    "epochSeconds": epoch_seconds,
    "fitSeconds": sum(epoch_seconds),
    "stepMs": step_ms,
    "testLoss": test_loss,
}
if kind == "vae" and iwae_images > 0:
    t0 = time.perf_counter()
    iwae(model, x_test[:iwae_images], K=500)
    out["iwaeImagesPerSecond"] = iwae_images / (time.perf_counter() - t0)
print(json.dumps(out))
