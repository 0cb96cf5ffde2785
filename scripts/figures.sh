#!/usr/bin/env bash
# Fixed-architecture figures: 784-10 and 784-96-10 on real MNIST, Adam 1e-3, batch 256, 80/20
# split with seed 0, in Node on whatever adapter Dawn gives (software here): 20 epochs, as the
# reference's baselines (bench/results/mnist-<arch>.json), and 64, as the reference
# configuration trains (mnist-<arch>-64.json). Prints the test lines. About 4 minutes here.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
for epochs in 20 64; do
  suffix=$([ "$epochs" = 20 ] && echo "" || echo "-$epochs")
  for arch in 784-10 784-96-10; do
    node bin/senn.js train --dataset mnist --arch "$arch" --epochs "$epochs" --batch 256 --lr 1e-3 \
      --optimizer adam --seed 0 --json "bench/results/mnist-$arch$suffix.json" 2>&1 | grep -v XDG_RUNTIME_DIR | tail -1
  done
done
