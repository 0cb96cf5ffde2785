#!/usr/bin/env bash
# Splits of signed parents: the generated 2-D regression (inputs u, v in [−1, 1]) grown from
# 2-1, whose output edges all leave signed inputs, with the plain split, --exact-split signed
# (pairs for the edges out of the inputs), --exact-split all (pairs for every edge), and
# --exact-split signed with blocks of 2 and 4 hinges an edge (--neurons-per-edge), seeds 0–4,
# 60 epochs; and fixed 2-16-1 / 2-64-1 trained the same way for comparison.
# Writes bench/results/regression-exact-split.json (one entry per run) and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
runs=$(mktemp -d)
common=(--dataset regression --epochs 60 --lr 0.01 --batch 64)
growth=(--arch 2-1 --expand --window 3 --min-epochs-between 5 --loss-change-threshold 0.01 --choose-threshold 0.01)
for seed in 0 1 2 3 4; do
  node bin/senn.js train "${common[@]}" "${growth[@]}" --seed "$seed" --json "$runs/single-$seed.json" > /dev/null 2>&1
  node bin/senn.js train "${common[@]}" "${growth[@]}" --seed "$seed" --exact-split signed --json "$runs/signed-$seed.json" > /dev/null 2>&1
  node bin/senn.js train "${common[@]}" "${growth[@]}" --seed "$seed" --exact-split all --json "$runs/all-$seed.json" > /dev/null 2>&1
  for k in 2 4; do
    node bin/senn.js train "${common[@]}" "${growth[@]}" --seed "$seed" --exact-split signed --neurons-per-edge "$k" --json "$runs/signed-hinges$k-$seed.json" > /dev/null 2>&1
  done
done
for arch in 2-16-1 2-64-1; do
  node bin/senn.js train "${common[@]}" --arch "$arch" --seed 0 --json "$runs/fixed-$arch.json" > /dev/null 2>&1
done
node --input-type=module - "$runs" <<'JS'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
const dir = process.argv[2];
const rows = readdirSync(dir).sort().map((f) => {
  const r = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
  const splits = r.growth.filter((g) => g.kind === 'expand');
  // Largest relative change of the validation loss across one of the run's splits.
  const change = Math.max(0, ...splits.map((g) => Math.abs(g.lossAfter - g.lossBefore) / g.lossBefore));
  return { run: f.replace(/\.json$/, ''), testRmse: Math.sqrt(r.test.loss), params: r.params, splits: splits.length, architecture: r.architecture, largestSplitLossChange: change };
});
writeFileSync('bench/results/regression-exact-split.json', `${JSON.stringify(rows, null, 2)}\n`);
for (const r of rows) console.log(`${r.run.padEnd(22)} test RMSE ${r.testRmse.toFixed(4)}  params ${String(r.params).padStart(4)}  splits ${r.splits}  largest loss change at a split ${(100 * r.largestSplitLossChange).toFixed(2)}%`);
JS
rm -r "$runs"
