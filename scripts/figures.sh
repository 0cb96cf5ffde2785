#!/usr/bin/env bash
# Issue-2 figures: 784-10 and 784-96-10 on real MNIST, Adam 1e-3, batch 256, 20 epochs,
# 80/20 split with seed 0, in Node on whatever adapter Dawn gives (software here).
# Writes bench/results/mnist-<arch>.json and prints the test lines.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
for arch in 784-10 784-96-10; do
  node bin/senn.js train --dataset mnist --arch "$arch" --epochs "${EPOCHS:-20}" --batch 256 --lr 1e-3 \
    --optimizer adam --seed 0 --json "bench/results/mnist-$arch.json" 2>&1 | grep -v XDG_RUNTIME_DIR
done
