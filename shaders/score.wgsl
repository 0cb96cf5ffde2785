// score.wgsl — running per-edge statistics, edge significance scores, min–max normalisation
// and threshold selection.
//
// Entry points:
//   accumulate  one step's running statistics: stats[3k..3k+2] += (|g|, g, g²) for every value
//            k of the gradient buffer (parameters' order: a block's weights at its offset, 3
//            sums a value). Training dispatches it after the backward pass, in the epochs whose
//            statistics a policy reads, over all the parameters: biases' sums are kept too and
//            read by nobody. One kernel for every block form, where each weight-gradient kernel
//            kept a STATS variant of its own before: a second pipeline for each, compiled again
//            at every growth, for three loads and three stores a value.
//   accumulate_vec4  the same, 4 values an invocation (count a multiple of 4, as the parameter
//            buffer always is): one vec4 load of g, 3 of the sums and 3 stores, where the
//            scalar form makes 4 loads and 3 stores a value (a software adapter pays per access).
//   score    scores[k] = metric of value k of a block's weights (same order as its storage),
//            from the running statistics (Σ|g|, Σg, Σg² over `batches` batches) or the weight:
//              METRIC 0 abs-grad       mean: Σ|g|/B       variance: Σg²/B − (Σ|g|/B)²
//              METRIC 1 grad-variance  Σg²/B − (Σg/B)²    (a variance already; both aggregations)
//              METRIC 2 weight-sq      w²
//              METRIC 3 weight-abs     |w|
//              METRIC 4 taylor         |w| · Σ|g|/B   variance: w² · (Σg²/B − (Σ|g|/B)²)
//                       (first-order estimate of the loss change if the edge were removed,
//                       with the current weight)
//            AGGREGATION 0 mean, 1 variance (abs-grad and taylor).
//   minmax   min and max over the `count` scores into bounds (atomics, no workgroup barrier:
//            SwiftShader compiles a barrier loop into coroutines, 0.3 s of compile time).
//   select   normalised s = (m − min) / (max − min + 1e-8); keeps s > threshold (ABOVE = true,
//            expansion) or s < threshold (ABOVE = false, pruning): appends (index, s) to
//            `picked` through an atomic counter. Only the picked list is read back.
//
// Bindings (group 0):
//   @binding(0) params  : uniform Params { count, batches, threshold, offset }
//                         offset: where a block's scores start in `scores` (score)
//   @binding(1) stats   : storage, read    3 × count running sums of the block (score)
//   @binding(2) weights : storage, read    count weights of the block (score)
//   @binding(3) scores  : storage, rw      (score writes at offset; minmax, select read)
//   @binding(4) bounds  : storage, rw      2 atomic u32, zero before minmax: ~bits(min), bits(max).
//                         Scores are ≥ 0, and the bit patterns of non-negative floats order as
//                         the floats do, so atomicMax finds both (the min through the complement).
//   @binding(5) picked  : storage, rw      2 × count: (index as f32 bits, s) pairs (select)
//   @binding(6) counter : storage, rw      atomic<u32> (select)
//   @binding(7) mask    : storage, read    count 0/1 values: which values are edges (score, MASKED;
//                         absent ones score -1 and are skipped by minmax and select)
//   accumulate:      @binding(8) grads : storage, read  count values;
//                    @binding(9) sums  : storage, rw    3 × count values (Σ|g|, Σg, Σg² a value)
//   accumulate_vec4: the same as vec4 arrays, @binding(10) grads4 and @binding(11) sums4.
//
// Dispatch: accumulate, score, select: workgroup WIDTH (256), one invocation per value (accumulate_vec4:
//   per 4 values, count / 4 invocations), grid (x, y, 1) with
//   x·y·WIDTH ≥ count. minmax: workgroup WIDTH (256), grid (x, 1, 1) with any x ≥ 1; each invocation
//   walks the values strided by the grid's size.

// The width of this file's 256-wide workgroups: the device's most where it allows fewer (a
// compatibility-mode device's default is 128); set by KernelCache (wideWorkgroup, src/kernels/kernel.ts).
override WIDTH: u32 = 256u;
override METRIC: u32 = 0u;
override AGGREGATION: u32 = 0u;
override ABOVE: bool = true;
override MASKED: bool = false;

struct Params {
  count: u32,
  batches: f32,
  threshold: f32,
  offset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> scores: array<f32>;
@group(0) @binding(4) var<storage, read_write> bounds: array<atomic<u32>, 2>;
@group(0) @binding(5) var<storage, read_write> picked: array<f32>;
@group(0) @binding(6) var<storage, read_write> counter: atomic<u32>;
@group(0) @binding(7) var<storage, read> mask: array<f32>;
@group(0) @binding(8) var<storage, read> grads: array<f32>;
@group(0) @binding(9) var<storage, read_write> sums: array<f32>;
@group(0) @binding(10) var<storage, read> grads4: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read_write> sums4: array<vec4<f32>>;

// Scores are ≥ 0; this marks the values of masked dense blocks that are not edges.
const ABSENT: f32 = -1.0;

fn index_of(id: vec3<u32>, groups: vec3<u32>) -> u32 {
  return id.x + id.y * groups.x * WIDTH;
}

@compute @workgroup_size(WIDTH, 1, 1)
fn accumulate(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let k = index_of(id, groups);
  if (k >= params.count) { return; }
  let g = grads[k];
  sums[3u * k] = sums[3u * k] + abs(g);
  sums[3u * k + 1u] = sums[3u * k + 1u] + g;
  sums[3u * k + 2u] = sums[3u * k + 2u] + g * g;
}

// Values 4i..4i+3: their 12 sums are 3 vec4s, (|g0|, g0, g0², |g1|), (g1, g1², |g2|, g2),
// (g2², |g3|, g3, g3²).
@compute @workgroup_size(WIDTH, 1, 1)
fn accumulate_vec4(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = index_of(id, groups);
  if (i >= params.count / 4u) { return; }
  let g = grads4[i];
  let a = abs(g);
  let q = g * g;
  sums4[3u * i] = sums4[3u * i] + vec4<f32>(a.x, g.x, q.x, a.y);
  sums4[3u * i + 1u] = sums4[3u * i + 1u] + vec4<f32>(g.y, q.y, a.z, g.z);
  sums4[3u * i + 2u] = sums4[3u * i + 2u] + vec4<f32>(q.z, a.w, g.w, q.w);
}

@compute @workgroup_size(WIDTH, 1, 1)
fn score(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let k = index_of(id, groups);
  if (k >= params.count) { return; }
  // A value of a dense block with no edge behind it: marked absent (-1), skipped below.
  if (MASKED && mask[k] == 0.0) {
    scores[params.offset + k] = ABSENT;
    return;
  }
  let b = max(params.batches, 1.0);
  let mean_abs = stats[3u * k] / b;
  let mean = stats[3u * k + 1u] / b;
  let mean_sq = stats[3u * k + 2u] / b;
  var m = 0.0;
  switch METRIC {
    case 0u: { m = select(mean_abs, max(mean_sq - mean_abs * mean_abs, 0.0), AGGREGATION == 1u); }
    case 1u: { m = max(mean_sq - mean * mean, 0.0); }
    case 2u: { m = weights[k] * weights[k]; }
    case 3u: { m = abs(weights[k]); }
    default: {
      let w = weights[k];
      m = select(abs(w) * mean_abs, w * w * max(mean_sq - mean_abs * mean_abs, 0.0), AGGREGATION == 1u);
    }
  }
  scores[params.offset + k] = m;
}

@compute @workgroup_size(WIDTH, 1, 1)
fn minmax(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  var lo = 0xffffffffu;
  var hi = 0u;
  for (var k = id.x; k < params.count; k = k + groups.x * WIDTH) {
    let s = scores[k];
    if (s < 0.0) { continue; } // absent
    let bits = select(bitcast<u32>(s), 0u, s == 0.0); // -0.0 as +0.0
    lo = min(lo, bits);
    hi = max(hi, bits);
  }
  if (hi >= lo) {
    atomicMax(&bounds[0], ~lo);
    atomicMax(&bounds[1], hi);
  }
}

@compute @workgroup_size(WIDTH, 1, 1)
fn select_edges(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let k = index_of(id, groups);
  if (k >= params.count || scores[k] < 0.0) { return; }
  let lo = bitcast<f32>(~atomicLoad(&bounds[0]));
  let hi = bitcast<f32>(atomicLoad(&bounds[1]));
  let s = (scores[k] - lo) / (hi - lo + 1e-8);
  let keep = select((s < params.threshold), (s > params.threshold), ABOVE);
  if (keep) {
    let slot = atomicAdd(&counter, 1u);
    picked[2u * slot] = bitcast<f32>(k);
    picked[2u * slot + 1u] = s;
  }
}
