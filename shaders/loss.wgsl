// loss.wgsl — losses fused with their gradient, and metrics, accumulated on the GPU.
//
// Entry points:
//   softmax_xent  per row: loss = logsumexp(z) − z[label] (max-shifted, so stable for any z);
//                 grad = (softmax(z) − onehot(label)) · grad_scale; counts argmax == label.
//                 With SMOOTH (label smoothing, PyTorch's label_smoothing = ε = params.smoothing)
//                 the target is q = (1 − ε) onehot(label) + ε / classes: loss = logsumexp(z) −
//                 Σ_j q_j z_j, grad = (softmax(z) − q) · grad_scale. SMOOTH = false compiles the
//                 plain loss as it was, bit for bit.
//                 With WEIGHTED (class weights, as Keras's class_weight) a row's loss and
//                 gradient are multiplied by its label's weight, class_weights[label], and still
//                 averaged over the rows (grad_scale); WEIGHTED = false compiles the code as it
//                 was, bit for bit, with a placeholder bound to class_weights, never read.
//   mse           per row: loss = Σ_j (z_j − t_j)² / classes; grad = 2 (z − t) · grad_scale.
//   accuracy      counts argmax(z) == label only (no loss, no gradient).
// Each adds its batch totals to `stats` = [loss sum, correct count, row count, unused], so a
// whole epoch accumulates on the GPU and is read back once.
//
// Bindings (group 0):
//   @binding(0) params  : uniform Params { rows, classes, grad_scale, write_grad, smoothing }
//   @binding(1) logits  : storage, read        rows×classes row-major (network outputs)
//   @binding(2) labels  : storage, read  u32   rows                 (softmax_xent, accuracy)
//   @binding(3) targets : storage, read        rows×classes         (mse)
//   @binding(4) grad    : storage, read_write  rows×classes; written when write_grad ≠ 0
//   @binding(5) stats   : storage, read_write  4 values, accumulated (+=)
//   @binding(6) class_weights : storage, read   classes              (softmax_xent with WEIGHTED)
//
// Dispatch: exactly one workgroup of 32 invocations, grid (1, 1, 1). Invocation i handles
//   rows i, i + 32, …; after one barrier invocation 0 alone sums their 32 parts in order and
//   adds them to `stats`, so accumulation needs no float atomics and is deterministic. 32 and
//   not more, and one barrier, not a tree of five: a software adapter runs a workgroup's
//   invocations as coroutines and switches all of them at every barrier (a batch of 256 rows
//   took 0.6–0.9 ms with 256 invocations and 0.13–0.19 ms with 32, and 0.18 ms with the tree
//   against 0.15 ms with one barrier, SwiftShader in Node).
//
// CLASSES (override, softmax_xent): 1–12, the number of classes, holds a row's logits in
// registers, so each is loaded once and exponentiated once (the loop over a row loads each
// logit three times, for the argmax, the sum and the gradient, and takes each exp twice). Same
// operations in the same order, so the same bits; 0 (more classes) keeps the loop.

struct Params {
  rows: u32,
  classes: u32,
  grad_scale: f32,
  write_grad: u32,
  smoothing: f32, // ε of label smoothing (read where SMOOTH)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read> targets: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;
@group(0) @binding(6) var<storage, read> class_weights: array<f32>;

override CLASSES: u32 = 0u;
override SMOOTH: bool = false;
override WEIGHTED: bool = false;

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
  if (lane == 0u) {
    var loss = loss_part[0];
    var correct = correct_part[0];
    for (var i = 1u; i < LANES; i = i + 1u) {
      loss = loss + loss_part[i];
      correct = correct + correct_part[i];
    }
    stats[0] = stats[0] + loss;
    stats[1] = stats[1] + correct;
    stats[2] = stats[2] + f32(params.rows);
  }
}

// With CLASSES: logit j of the row at `base` (0 past CLASSES; j is a constant once inlined).
fn logit_at(base: u32, j: u32) -> f32 {
  if (j >= CLASSES) { return 0.0; }
  return logits[base + j];
}

// Logits 4g .. 4g + 3 of the row at `base`.
fn logits4(base: u32, g: u32) -> vec4<f32> {
  return vec4<f32>(logit_at(base, 4u * g), logit_at(base, 4u * g + 1u), logit_at(base, 4u * g + 2u), logit_at(base, 4u * g + 3u));
}

// The running argmax (first of equals, as argmax_row) after logit j, value v.
struct Best {
  value: f32,
  index: u32,
}

fn pick(best: Best, v: f32, j: u32) -> Best {
  if (j < CLASSES && v > best.value) { return Best(v, j); }
  return best;
}

// total + e for a class j inside CLASSES.
fn add_class(total: f32, e: f32, j: u32) -> f32 {
  if (j >= CLASSES) { return total; }
  return total + e;
}

// Class j's share of the target: onehot(label), or with SMOOTH (1 − ε) onehot + ε / classes.
fn target_of(j: u32, label: u32, classes: u32) -> f32 {
  let onehot = select(0.0, 1.0, j == label);
  if (SMOOTH) { return onehot * (1.0 - params.smoothing) + params.smoothing / f32(classes); }
  return onehot;
}

// Σ_j q_j (z_j − peak), the target's dot with a row's shifted logits, from the label's shifted
// logit and (read where SMOOTH) the sum of all of them.
fn target_dot(label_shifted: f32, all_shifted: f32, classes: u32) -> f32 {
  if (SMOOTH) { return (1.0 - params.smoothing) * label_shifted + params.smoothing * all_shifted / f32(classes); }
  return label_shifted;
}

// A row's gradient factor: grad_scale, times its label's weight with WEIGHTED.
fn row_scale(label: u32) -> f32 {
  if (WEIGHTED) { return params.grad_scale * class_weights[label]; }
  return params.grad_scale;
}

// The gradient of logit j: (e / total − q_j) · scale (the row's, row_scale).
fn store_class_grad(base: u32, j: u32, e: f32, total: f32, label: u32, scale: f32) {
  if (j >= CLASSES) { return; }
  grad[base + j] = (e / total - target_of(j, label, CLASSES)) * scale;
}

// softmax_xent's work for one row with CLASSES: log Σ exp, its label's shifted logit, and
// whether argmax = label (the loss is the first less the second, added as the loop adds it).
fn class_row(r: u32) -> vec3<f32> {
  let base = r * CLASSES;
  let label = labels[r];
  let a = logits4(base, 0u);
  let b = logits4(base, 1u);
  let c = logits4(base, 2u);
  var best = Best(a.x, 0u);
  best = pick(best, a.y, 1u); best = pick(best, a.z, 2u); best = pick(best, a.w, 3u);
  best = pick(best, b.x, 4u); best = pick(best, b.y, 5u); best = pick(best, b.z, 6u); best = pick(best, b.w, 7u);
  best = pick(best, c.x, 8u); best = pick(best, c.y, 9u); best = pick(best, c.z, 10u); best = pick(best, c.w, 11u);
  let peak = vec4<f32>(best.value);
  let ea = exp(a - peak);
  let eb = exp(b - peak);
  let ec = exp(c - peak);
  var total = ea.x;
  total = add_class(total, ea.y, 1u); total = add_class(total, ea.z, 2u); total = add_class(total, ea.w, 3u);
  total = add_class(total, eb.x, 4u); total = add_class(total, eb.y, 5u); total = add_class(total, eb.z, 6u); total = add_class(total, eb.w, 7u);
  total = add_class(total, ec.x, 8u); total = add_class(total, ec.y, 9u); total = add_class(total, ec.z, 10u); total = add_class(total, ec.w, 11u);
  if (params.write_grad != 0u) {
    let scale = row_scale(label);
    store_class_grad(base, 0u, ea.x, total, label, scale); store_class_grad(base, 1u, ea.y, total, label, scale);
    store_class_grad(base, 2u, ea.z, total, label, scale); store_class_grad(base, 3u, ea.w, total, label, scale);
    store_class_grad(base, 4u, eb.x, total, label, scale); store_class_grad(base, 5u, eb.y, total, label, scale);
    store_class_grad(base, 6u, eb.z, total, label, scale); store_class_grad(base, 7u, eb.w, total, label, scale);
    store_class_grad(base, 8u, ec.x, total, label, scale); store_class_grad(base, 9u, ec.y, total, label, scale);
    store_class_grad(base, 10u, ec.z, total, label, scale); store_class_grad(base, 11u, ec.w, total, label, scale);
  }
  var shifted = 0.0;
  if (SMOOTH) {
    let sa = a - peak;
    let sb = b - peak;
    let sc = c - peak;
    shifted = sa.x;
    shifted = add_class(shifted, sa.y, 1u); shifted = add_class(shifted, sa.z, 2u); shifted = add_class(shifted, sa.w, 3u);
    shifted = add_class(shifted, sb.x, 4u); shifted = add_class(shifted, sb.y, 5u); shifted = add_class(shifted, sb.z, 6u); shifted = add_class(shifted, sb.w, 7u);
    shifted = add_class(shifted, sc.x, 8u); shifted = add_class(shifted, sc.y, 9u); shifted = add_class(shifted, sc.z, 10u); shifted = add_class(shifted, sc.w, 11u);
  }
  return vec3<f32>(log(total), target_dot(logits[base + label] - best.value, shifted, CLASSES), select(0.0, 1.0, best.index == label));
}

@compute @workgroup_size(32, 1, 1)
fn softmax_xent(@builtin(local_invocation_index) lane: u32) {
  var loss = 0.0;
  var correct = 0.0;
  // CLASSES is a constant here: the pipeline keeps one of the two loops.
  if (CLASSES > 0u) {
    for (var r = lane; r < params.rows; r = r + LANES) {
      let row = class_row(r);
      // Without WEIGHTED the sum in the order it always took (loss + x) − y.
      if (WEIGHTED) { loss = loss + (row.x - row.y) * class_weights[labels[r]]; } else { loss = loss + row.x - row.y; }
      correct = correct + row.z;
    }
  } else {
    for (var r = lane; r < params.rows; r = r + LANES) {
      let base = r * params.classes;
      let label = labels[r];
      let top = argmax_row(base);
      let peak = logits[base + top];
      var total = 0.0;
      var shifted = 0.0;
      for (var j = 0u; j < params.classes; j = j + 1u) {
        total = total + exp(logits[base + j] - peak);
        if (SMOOTH) { shifted = shifted + (logits[base + j] - peak); }
      }
      let label_dot = target_dot(logits[base + label] - peak, shifted, params.classes);
      if (WEIGHTED) { loss = loss + (log(total) - label_dot) * class_weights[label]; } else { loss = loss + log(total) - label_dot; }
      correct = correct + select(0.0, 1.0, top == label);
      if (params.write_grad != 0u) {
        let scale = row_scale(label);
        for (var j = 0u; j < params.classes; j = j + 1u) {
          let p = exp(logits[base + j] - peak) / total;
          grad[base + j] = (p - target_of(j, label, params.classes)) * scale;
        }
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
