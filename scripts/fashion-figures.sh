#!/usr/bin/env bash
# Fashion-MNIST with ALGORITHM.md's reference Fashion-MNIST configuration: 784-10 start,
# variance aggregation, choose 0.3, loss-change threshold 0.05, max 2500 splits, delete
# threshold 0.0145, AdamW lr 2e-4 weight decay 1e-3 (window 5, 8 epochs between, prune after
# 2 and batch 256 as on MNIST), 64 epochs, 80/20 split with seed 0; the same with the prune
# scored by weight magnitude; and fixed 784-10 and 784-96-10 trained the same way.
# Writes bench/results/fmnist-*.json; about 30 minutes on the software adapter.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
common=(--dataset fashion-mnist --epochs 64 --batch 256 --optimizer adamw --lr 2e-4 --weight-decay 1e-3 --seed 0)
expand=(--arch 784-10 --expand --aggregation variance --choose-threshold 0.3 --loss-change-threshold 0.05 --max-to-replace 2500 --delete-threshold 0.0145)
run() { node bin/senn.js train "$@" 2>&1 | grep -E "expand:|prune:|test:"; }
run "${common[@]}" "${expand[@]}" --json bench/results/fmnist-expand-reference-config.json
run "${common[@]}" "${expand[@]}" --prune-metric weight-abs --json bench/results/fmnist-expand-prune-weight-abs.json
for arch in 784-10 784-96-10; do run "${common[@]}" --arch "$arch" --json "bench/results/fmnist-$arch.json"; done
