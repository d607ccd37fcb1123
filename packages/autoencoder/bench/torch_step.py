#!/usr/bin/python3
"""Times one training step of the PyTorch peer (shared/anchors/ref_torch_vae.py's AE and VAE:
784-400-20, batch 128, Adam 1e-3, BCE summed) with torch.set_num_threads(threads, default 1);
prints JSON. Usage: torch_step.py <anchors dir> [steps] [threads]"""
import json, sys, time
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, sys.argv[1])
from ref_torch_vae import AE, VAE, vae_loss  # noqa: E402

steps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
torch.set_num_threads(threads)
torch.manual_seed(0)
x = torch.rand(128, 784)
out = {"torch": torch.__version__, "threads": threads, "steps": steps}
for name, model, loss_fn in (
    ("ae", AE(), lambda m: F.binary_cross_entropy(m(x), x, reduction="sum")),
    ("vae", VAE(), lambda m: (lambda r, mu, lv: vae_loss(r, x, mu, lv))(*m(x))),
):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = loss_fn(model)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(20):
        step()
    ts = []
    c0 = time.process_time()
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        ts.append((time.perf_counter() - t0) * 1e3)
    out[f"{name}_step_cpu_ms"] = (time.process_time() - c0) * 1e3 / steps
    out[f"{name}_step_median_ms"] = float(np.median(ts))
    out[f"{name}_step_p10_ms"] = float(np.percentile(ts, 10))
print(json.dumps(out))
