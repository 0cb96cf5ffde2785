// loss.wgsl — losses fused with their gradient, and metrics, accumulated on the GPU.
//
// Entry points:
//   softmax_xent  per row: loss = logsumexp(z) − z[label] (max-shifted, so stable for any z);
//                 grad = (softmax(z) − onehot(label)) · grad_scale; counts argmax == label.
//   mse           per row: loss = Σ_j (z_j − t_j)² / classes; grad = 2 (z − t) · grad_scale.
//   accuracy      counts argmax(z) == label only (no loss, no gradient).
// Each adds its batch totals to `stats` = [loss sum, correct count, row count, unused], so a
// whole epoch accumulates on the GPU and is read back once.
//
// Bindings (group 0):
//   @binding(0) params  : uniform Params { rows, classes, grad_scale, write_grad }
//   @binding(1) logits  : storage, read        rows×classes row-major (network outputs)
//   @binding(2) labels  : storage, read  u32   rows                 (softmax_xent, accuracy)
//   @binding(3) targets : storage, read        rows×classes         (mse)
//   @binding(4) grad    : storage, read_write  rows×classes; written when write_grad ≠ 0
//   @binding(5) stats   : storage, read_write  4 values, accumulated (+=)
//
// Dispatch: exactly one workgroup of 32 invocations, grid (1, 1, 1). Invocation i handles
//   rows i, i + 32, …; a tree reduction in workgroup memory then lets invocation 0 alone
//   add to `stats`, so accumulation needs no float atomics and is deterministic. 32 and not
//   more: a software adapter runs a workgroup's invocations as coroutines and switches all of
//   them at every barrier, so the reduction's cost grows with the width; a batch of 256 rows
//   took 0.6–0.9 ms with 256 invocations and 0.13–0.19 ms with 32 (the per-row work is small).

struct Params {
  rows: u32,
  classes: u32,
  grad_scale: f32,
  write_grad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read> targets: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;

const LANES: u32 = 32u;
var<workgroup> loss_part: array<f32, 32>;
var<workgroup> correct_part: array<f32, 32>;

// Index of the largest logit of a row; the first one on ties (as argmax conventionally does).
fn argmax_row(base: u32) -> u32 {
  var best = 0u;
  var best_value = logits[base];
  for (var j = 1u; j < params.classes; j = j + 1u) {
    let v = logits[base + j];
    if (v > best_value) { best_value = v; best = j; }
  }
  return best;
}

// Sum loss_part and correct_part over the workgroup; invocation 0 adds them to stats.
fn reduce_into_stats(lane: u32) {
  workgroupBarrier();
  for (var stride = LANES / 2u; stride > 0u; stride = stride / 2u) {
    if (lane < stride) {
      loss_part[lane] = loss_part[lane] + loss_part[lane + stride];
      correct_part[lane] = correct_part[lane] + correct_part[lane + stride];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    stats[0] = stats[0] + loss_part[0];
    stats[1] = stats[1] + correct_part[0];
    stats[2] = stats[2] + f32(params.rows);
  }
}

@compute @workgroup_size(32, 1, 1)
fn softmax_xent(@builtin(local_invocation_index) lane: u32) {
  var loss = 0.0;
  var correct = 0.0;
  for (var r = lane; r < params.rows; r = r + LANES) {
    let base = r * params.classes;
    let label = labels[r];
    let top = argmax_row(base);
    let peak = logits[base + top];
    var total = 0.0;
    for (var j = 0u; j < params.classes; j = j + 1u) {
      total = total + exp(logits[base + j] - peak);
    }
    loss = loss + log(total) - (logits[base + label] - peak);
    correct = correct + select(0.0, 1.0, top == label);
    if (params.write_grad != 0u) {
      for (var j = 0u; j < params.classes; j = j + 1u) {
        let p = exp(logits[base + j] - peak) / total;
        grad[base + j] = (p - select(0.0, 1.0, j == label)) * params.grad_scale;
      }
    }
  }
  loss_part[lane] = loss;
  correct_part[lane] = correct;
  reduce_into_stats(lane);
}

@compute @workgroup_size(32, 1, 1)
fn mse(@builtin(local_invocation_index) lane: u32) {
  var loss = 0.0;
  for (var r = lane; r < params.rows; r = r + LANES) {
    let base = r * params.classes;
    var row_loss = 0.0;
    for (var j = 0u; j < params.classes; j = j + 1u) {
      let diff = logits[base + j] - targets[base + j];
      row_loss = row_loss + diff * diff;
      if (params.write_grad != 0u) {
        grad[base + j] = 2.0 * diff * params.grad_scale;
      }
    }
    loss = loss + row_loss / f32(params.classes);
  }
  loss_part[lane] = loss;
  correct_part[lane] = 0.0;
  reduce_into_stats(lane);
}

@compute @workgroup_size(32, 1, 1)
fn accuracy(@builtin(local_invocation_index) lane: u32) {
  var correct = 0.0;
  for (var r = lane; r < params.rows; r = r + LANES) {
    correct = correct + select(0.0, 1.0, argmax_row(r * params.classes) == labels[r]);
  }
  loss_part[lane] = 0.0;
  correct_part[lane] = correct;
  reduce_into_stats(lane);
}
