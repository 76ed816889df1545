#!/usr/bin/env python3
"""Peer figure for `pinnlab bench step`: the same Burgers PINN training step in PyTorch.

Optional, never part of `npm test`. Needs Debian's PyTorch with OpenBLAS
(`apt-get install python3-torch libopenblas0-pthread`; without the second package Debian's
reference BLAS is used) and runs with the system interpreter:
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/torch_step.py --width 64`.

The step matches pinnlab's: 2,048 fresh residual points, 256 initial and 256 boundary points,
MLP (depth hidden tanh layers of the given width, inputs normalised to [-1, 1]), u_t, u_x, u_xx by
nested reverse-mode autograd, mean-square losses summed, Adam; one host sync per step (.item()).
Prints one JSON object with the median milliseconds per step.
"""
import argparse
import json
import math
import statistics
import time

import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--points", type=int, default=2048)
    ap.add_argument("--bc-points", type=int, default=256)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args()
    torch.manual_seed(0)
    layers = []
    fan_in = 2
    for _ in range(a.depth):
        layers += [torch.nn.Linear(fan_in, a.width), torch.nn.Tanh()]
        fan_in = a.width
    layers.append(torch.nn.Linear(fan_in, 1))
    net = torch.nn.Sequential(*layers)
    for m in net:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_normal_(m.weight)
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    nu = 0.01 / math.pi
    lo = torch.tensor([0.0, -1.0])
    hi = torch.tensor([1.0, 1.0])

    def u(tx: torch.Tensor) -> torch.Tensor:
        return net(2 * (tx - lo) / (hi - lo) - 1)

    def step() -> float:
        t = torch.rand(a.points, 1, requires_grad=True)
        x = (2 * torch.rand(a.points, 1) - 1).requires_grad_(True)
        uu = u(torch.cat([t, x], 1))
        u_t, u_x = torch.autograd.grad(uu.sum(), [t, x], create_graph=True)
        u_xx = torch.autograd.grad(u_x.sum(), x, create_graph=True)[0]
        res = u_t + uu * u_x - nu * u_xx
        x0 = 2 * torch.rand(a.bc_points, 1) - 1
        ic = u(torch.cat([torch.zeros_like(x0), x0], 1)) + torch.sin(math.pi * x0)
        tb = torch.rand(a.bc_points, 1)
        xb = torch.where(torch.arange(a.bc_points)[:, None] < a.bc_points // 2, -1.0, 1.0)
        bc = u(torch.cat([tb, xb], 1))
        loss = res.pow(2).mean() + ic.pow(2).mean() + bc.pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    times = []
    for k in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        step()
        if k >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    print(
        json.dumps(
            {
                "engine": f"pytorch {torch.__version__}",
                "threads": torch.get_num_threads(),
                "width": a.width,
                "depth": a.depth,
                "points": a.points,
                "steps": a.steps,
                "ms_per_step": statistics.median(times),
            }
        )
    )


if __name__ == "__main__":
    main()
