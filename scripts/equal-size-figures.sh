#!/usr/bin/env bash
# Does growing pay against a fixed network of the same size? Each grown result of
# docs/results.md against a fixed one-hidden-layer network with slightly fewer parameters,
# trained the same way (the same data, split, optimizer, rate, batch and epochs):
#   MNIST, the reference configuration (64 epochs, Adam 1e-3; grown: 17,876 parameters with
#     seed 0) against 784-22-10 (17,500), seeds 0, 1 and 2 as the grown run's --seeds figures;
#   MNIST, the README's first command (12 epochs, Adam 2e-3; grown: 32,991) against 784-41-10
#     (32,605), seeds 0, 1 and 2;
#   MNIST, the reference configuration's training at the reference code's size (46,202): 784-58-10
#     (46,120), seed 0;
#   Fashion-MNIST, its reference configuration (64 epochs, AdamW 2e-4, weight decay 1e-3; grown:
#     44,585, and 20,885 with the weight-abs prune) against 784-56-10 (44,530) and 784-26-10
#     (20,680), seed 0 as the grown runs.
# Writes bench/results/{mnist,fmnist}-784-*-equal-size*.json; about 14 minutes here.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
run() { node bin/senn.js train "$@" 2>&1 | grep -E "^test:|^senn: seed|mean|range"; }
run --dataset mnist --arch 784-22-10 --epochs 64 --seeds 0,1,2 \
  --json bench/results/mnist-784-22-10-equal-size-64-epochs-seeds-0-1-2.json
run --dataset mnist --arch 784-41-10 --epochs 12 --lr 0.002 --seeds 0,1,2 \
  --json bench/results/mnist-784-41-10-equal-size-12-epochs-seeds-0-1-2.json
run --dataset mnist --arch 784-58-10 --epochs 64 --seed 0 \
  --json bench/results/mnist-784-58-10-equal-size-64-epochs.json
fashion=(--dataset fashion-mnist --epochs 64 --batch 256 --optimizer adamw --lr 2e-4 --weight-decay 1e-3 --seed 0)
for arch in 784-56-10 784-26-10; do
  run "${fashion[@]}" --arch "$arch" --json "bench/results/fmnist-$arch-equal-size.json"
done
