// score.wgsl — edge significance scores, min–max normalisation and threshold selection.
//
// Entry points:
//   score    scores[k] = metric of value k of a block's weights (same order as its storage),
//            from the running statistics (Σ|g|, Σg, Σg² over `batches` batches) or the weight:
//              METRIC 0 abs-grad       mean: Σ|g|/B       variance: Σg²/B − (Σ|g|/B)²
//              METRIC 1 grad-variance  Σg²/B − (Σg/B)²    (a variance already; both aggregations)
//              METRIC 2 weight-sq      w²
//              METRIC 3 weight-abs     |w|
//            AGGREGATION 0 mean, 1 variance (abs-grad only).
//   minmax   bounds[0] = min, bounds[1] = max over the `count` scores (one workgroup).
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
//   @binding(4) bounds  : storage, rw      2 floats (minmax writes; select reads)
//   @binding(5) picked  : storage, rw      2 × count: (index as f32 bits, s) pairs (select)
//   @binding(6) counter : storage, rw      atomic<u32> (select)
//   @binding(7) mask    : storage, read    count 0/1 values: which values are edges (score, MASKED;
//                         absent ones score -1 and are skipped by minmax and select)
//
// Dispatch: score, select: workgroup 256, one invocation per value, grid (x, y, 1) with
//   x·y·256 ≥ count. minmax: one workgroup of 256, grid (1, 1, 1).

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
@group(0) @binding(4) var<storage, read_write> bounds: array<f32>;
@group(0) @binding(5) var<storage, read_write> picked: array<f32>;
@group(0) @binding(6) var<storage, read_write> counter: atomic<u32>;
@group(0) @binding(7) var<storage, read> mask: array<f32>;

// Scores are ≥ 0; this marks the values of masked dense blocks that are not edges.
const ABSENT: f32 = -1.0;

var<workgroup> low: array<f32, 256>;
var<workgroup> high: array<f32, 256>;

fn index_of(id: vec3<u32>, groups: vec3<u32>) -> u32 {
  return id.x + id.y * groups.x * 256u;
}

@compute @workgroup_size(256, 1, 1)
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
    default: { m = abs(weights[k]); }
  }
  scores[params.offset + k] = m;
}

@compute @workgroup_size(256, 1, 1)
fn minmax(@builtin(local_invocation_index) lane: u32) {
  var lo = 3.4e38;
  var hi = -3.4e38;
  for (var k = lane; k < params.count; k = k + 256u) {
    let s = scores[k];
    if (s < 0.0) { continue; } // absent
    lo = min(lo, s);
    hi = max(hi, s);
  }
  low[lane] = lo;
  high[lane] = hi;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride = stride / 2u) {
    if (lane < stride) {
      low[lane] = min(low[lane], low[lane + stride]);
      high[lane] = max(high[lane], high[lane + stride]);
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    bounds[0] = low[0];
    bounds[1] = high[0];
  }
}

@compute @workgroup_size(256, 1, 1)
fn select_edges(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let k = index_of(id, groups);
  if (k >= params.count || scores[k] < 0.0) { return; }
  let s = (scores[k] - bounds[0]) / (bounds[1] - bounds[0] + 1e-8);
  let keep = select((s < params.threshold), (s > params.threshold), ABOVE);
  if (keep) {
    let slot = atomicAdd(&counter, 1u);
    picked[2u * slot] = bitcast<f32>(k);
    picked[2u * slot + 1u] = s;
  }
}
