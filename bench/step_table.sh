#!/usr/bin/env bash
# The step table of docs/BENCHMARKS.md: Burgers training step, depth 4, 2,048 points, widths 20,
# 64 and 256; jax-js and the fused kernels interleaved in one process (--compare), PyTorch (nested
# autograd, Debian's python3-torch with OpenBLAS) in alternation with it, ROUNDS rounds each.
# Prints one JSON line per measurement. Needs /usr/bin/python3 with torch for the PyTorch column.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-20}
for r in $(seq "$ROUNDS"); do
  for w in 20 64 256; do
    node bin/pinnlab.js bench step --problem burgers --width "$w" --depth 4 --points 2048 --steps "$STEPS" --compare --json
    if /usr/bin/python3 -c "import torch" 2>/dev/null; then
      # OPENBLAS_CORETYPE/L2_SIZE are pinned on this machine for old OpenBLAS builds and slow a
      # current one: unset for the peer measurement only
      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/torch_step.py \
        --width "$w" --depth 4 --points 2048 --steps "$STEPS"
    fi
  done
done
