// sparse.wgsl — kernels of a sparse connection block from a source level (src neurons) to a
// destination level (dst neurons), batch-major activations (row r, neuron i at r·n + i).
//
// The block's edges are stored twice, consistently:
//   by destination (CSR): dst_ptr[dst + 1], edge e in [dst_ptr[i], dst_ptr[i+1]) has source
//     src_of[e] and weight weight[e]; dst_of[e] = i. Edge ids are CSR positions.
//   by source: src_ptr[src + 1], src_edges[...] lists the edge ids leaving each source.
//
// Entry points:
//   spmm        out[r, i] = finish(Σ_{e into i} weight[e] · input[r, src_of[e]])   (forward)
//   spmm_t      out[r, j] = finish(Σ_{e out of j} weight[e] · grad[r, dst_of[e]])  (input gradient)
//   edge_grad   wgrad[e] = Σ_r grad[r, dst_of[e]] · input[r, src_of[e]]            (weight gradient)
//               and, when STATS, edge_stats[3e..3e+2] += (|g|, g, g²): the running per-edge
//               statistics that expansion scores edges with, at no extra pass over the data.
// ACCUMULATE adds what out holds (levels fed by several blocks): in spmm before FINISH 1 (bias +
// activation), in spmm_t after FINISH 2 (× activation derivative of aux, which distributes over
// the blocks' sum, so each block multiplies its own part); ACT as in activation.wgsl.
// ACTIVE_ONLY (spmm_t): the grid's y walks active_src, the sources with at least one edge in the
// block, instead of all sources: an accumulating block adds nothing to the others, and a small
// block out of a wide level (17 edges out of 344 neurons) then costs 17 neurons' work, not 344.
//
// Bindings (group 0):
//   @binding(0)  params     : uniform Params { rows, dst, src, edges, chunks, active_count }
//   @binding(1)  dst_ptr    : storage, read u32  dst + 1           (spmm)
//   @binding(2)  src_of     : storage, read u32  edges             (spmm, edge_grad)
//   @binding(3)  weight     : storage, read      edges             (spmm, spmm_t)
//   @binding(4)  input      : storage, read      rows × src        (spmm, edge_grad)
//   @binding(5)  bias       : storage, read      dst               (spmm, FINISH 1)
//   @binding(6)  out        : storage, rw        rows × dst (spmm) or rows × src (spmm_t)
//   @binding(7)  src_ptr    : storage, read u32  src + 1           (spmm_t)
//   @binding(8)  src_edges  : storage, read u32  edges             (spmm_t)
//   @binding(9)  dst_of     : storage, read u32  edges             (spmm_t, edge_grad)
//   @binding(10) aux        : storage, read      rows × src        (spmm_t, FINISH 2)
//   @binding(11) grad       : storage, read      rows × dst        (spmm_t, edge_grad)
//   @binding(12) wgrad      : storage, rw        edges             (edge_grad)
//   @binding(13) edge_stats : storage, rw        3 × edges         (edge_grad with STATS)
//   @binding(14) chunks     : storage, read u32  2 × chunks        (edge_grad)
//   @binding(15) active_src : storage, read u32  active sources    (spmm_t with ACTIVE_ONLY)
//
// Dispatch: spmm / spmm_t: workgroup 64; invocation x walks the batch rows and y the neurons,
//   so the 64 lanes of a workgroup share one neuron's edge list (uniform loop bounds, broadcast
//   weight loads); grid (ceil(rows / 64), neurons, 1), neurons ≤ 65535 (for spmm_t with
//   ACTIVE_ONLY, neurons = the length of active_src).
//   edge_grad: workgroup 64, one invocation per chunk (chunks listed by falling edge count),
//   grid (x, y, 1) with x·y·64 ≥ chunks.

override ACCUMULATE: bool = false;
override FINISH: u32 = 0u;
override ACT: u32 = 0u;
override STATS: bool = false;
override ACTIVE_ONLY: bool = false;

const ROWS: u32 = 8u; // batch rows per invocation of spmm and spmm_t

struct Params {
  rows: u32,
  dst: u32,
  src: u32,
  edges: u32,
  chunks: u32,
  active_count: u32, // sources with edges (the length of active_src's list)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dst_ptr: array<u32>;
@group(0) @binding(2) var<storage, read> src_of: array<u32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> input: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<storage, read> src_ptr: array<u32>;
@group(0) @binding(8) var<storage, read> src_edges: array<u32>;
@group(0) @binding(9) var<storage, read> dst_of: array<u32>;
@group(0) @binding(10) var<storage, read> aux: array<f32>;
@group(0) @binding(11) var<storage, read> grad: array<f32>;
@group(0) @binding(12) var<storage, read_write> wgrad: array<f32>;
@group(0) @binding(13) var<storage, read_write> edge_stats: array<f32>;
@group(0) @binding(14) var<storage, read> chunks: array<u32>;
@group(0) @binding(15) var<storage, read> active_src: array<u32>;

// Offsets of the 8 batch rows r0..r0+7 in a rows × width array (clamped: rows past the batch
// repeat the last one and are never stored).
fn row_bases(r0: u32, width: u32) -> array<u32, 8> {
  let last = params.rows - 1u;
  return array<u32, 8>(
    min(r0, last) * width, min(r0 + 1u, last) * width, min(r0 + 2u, last) * width, min(r0 + 3u, last) * width,
    min(r0 + 4u, last) * width, min(r0 + 5u, last) * width, min(r0 + 6u, last) * width, min(r0 + 7u, last) * width);
}

@compute @workgroup_size(8, 8, 1)
fn spmm(@builtin(global_invocation_id) id: vec3<u32>) {
  let r0 = id.x * ROWS;
  let i = id.y;
  if (r0 >= params.rows || i >= params.dst) { return; }
  let base = row_bases(r0, params.src);
  // Eight rows at once: each edge's weight and source index are loaded once for all of them.
  var low = vec4<f32>(0.0);
  var high = vec4<f32>(0.0);
  let end = dst_ptr[i + 1u];
  var e = dst_ptr[i];
  // Two edges per iteration: independent gathers in flight, half the loop overhead.
  for (; e + 1u < end; e = e + 2u) {
    let w0 = weight[e];
    let w1 = weight[e + 1u];
    let j0 = src_of[e];
    let j1 = src_of[e + 1u];
    low = fma(vec4<f32>(w0), vec4<f32>(input[base[0] + j0], input[base[1] + j0], input[base[2] + j0], input[base[3] + j0]), low);
    high = fma(vec4<f32>(w0), vec4<f32>(input[base[4] + j0], input[base[5] + j0], input[base[6] + j0], input[base[7] + j0]), high);
    low = fma(vec4<f32>(w1), vec4<f32>(input[base[0] + j1], input[base[1] + j1], input[base[2] + j1], input[base[3] + j1]), low);
    high = fma(vec4<f32>(w1), vec4<f32>(input[base[4] + j1], input[base[5] + j1], input[base[6] + j1], input[base[7] + j1]), high);
  }
  if (e < end) {
    let w = weight[e];
    let j = src_of[e];
    low = fma(vec4<f32>(w), vec4<f32>(input[base[0] + j], input[base[1] + j], input[base[2] + j], input[base[3] + j]), low);
    high = fma(vec4<f32>(w), vec4<f32>(input[base[4] + j], input[base[5] + j], input[base[6] + j], input[base[7] + j]), high);
  }
  // Stored row by row with constant component indices (a loop over k indexed the vectors
  // dynamically), the bias loaded once.
  var b = 0.0;
  if (FINISH == 1u) { b = bias[i]; }
  spmm_store(r0, i, low.x, b);
  spmm_store(r0 + 1u, i, low.y, b);
  spmm_store(r0 + 2u, i, low.z, b);
  spmm_store(r0 + 3u, i, low.w, b);
  spmm_store(r0 + 4u, i, high.x, b);
  spmm_store(r0 + 5u, i, high.y, b);
  spmm_store(r0 + 6u, i, high.z, b);
  spmm_store(r0 + 7u, i, high.w, b);
}

// out[r, i] of spmm: the sum (plus what out holds when ACCUMULATE), finished with bias b and
// the activation when FINISH 1; rows past the batch are not stored.
fn spmm_store(r: u32, i: u32, value: f32, b: f32) {
  if (r >= params.rows) { return; }
  let at = r * params.dst + i;
  var sum = value;
  if (ACCUMULATE) { sum = sum + out[at]; }
  if (FINISH == 1u) { sum = activate(sum + b); }
  out[at] = sum;
}

@compute @workgroup_size(8, 8, 1)
fn spmm_t(@builtin(global_invocation_id) id: vec3<u32>) {
  let r0 = id.x * ROWS;
  if (r0 >= params.rows) { return; }
  var j = id.y;
  if (ACTIVE_ONLY) {
    if (id.y >= params.active_count) { return; }
    j = active_src[id.y];
  }
  if (j >= params.src) { return; }
  let base = row_bases(r0, params.dst);
  var low = vec4<f32>(0.0);
  var high = vec4<f32>(0.0);
  let end = src_ptr[j + 1u];
  for (var s = src_ptr[j]; s < end; s = s + 1u) {
    let e = src_edges[s];
    let w = weight[e];
    let i = dst_of[e];
    low = fma(vec4<f32>(w), vec4<f32>(grad[base[0] + i], grad[base[1] + i], grad[base[2] + i], grad[base[3] + i]), low);
    high = fma(vec4<f32>(w), vec4<f32>(grad[base[4] + i], grad[base[5] + i], grad[base[6] + i], grad[base[7] + i]), high);
  }
  spmm_t_store(r0, j, low.x);
  spmm_t_store(r0 + 1u, j, low.y);
  spmm_t_store(r0 + 2u, j, low.z);
  spmm_t_store(r0 + 3u, j, low.w);
  spmm_t_store(r0 + 4u, j, high.x);
  spmm_t_store(r0 + 5u, j, high.y);
  spmm_t_store(r0 + 6u, j, high.z);
  spmm_t_store(r0 + 7u, j, high.w);
}

// out[r, j] of spmm_t: the sum times act'(aux) when FINISH 2, plus what out holds when
// ACCUMULATE; rows past the batch are not stored.
fn spmm_t_store(r: u32, j: u32, value: f32) {
  if (r >= params.rows) { return; }
  let at = r * params.src + j;
  var sum = value;
  if (FINISH == 2u) { sum = sum * activate_grad(aux[at]); }
  if (ACCUMULATE) { sum = sum + out[at]; }
  out[at] = sum;
}

@compute @workgroup_size(64, 1, 1)
fn edge_grad(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let c = id.x + id.y * groups.x * 64u;
  if (c >= params.chunks) { return; }
  // A chunk: up to 8 consecutive CSR edges into one destination neuron i, so each row's
  // grad[r, i] is loaded once for all of them.
  let first = chunks[2u * c];
  let count = chunks[2u * c + 1u];
  let i = dst_of[first];
  let last = first + count - 1u;
  let j = array<u32, 8>(
    src_of[first], src_of[min(first + 1u, last)], src_of[min(first + 2u, last)], src_of[min(first + 3u, last)],
    src_of[min(first + 4u, last)], src_of[min(first + 5u, last)], src_of[min(first + 6u, last)], src_of[min(first + 7u, last)]);
  var low = vec4<f32>(0.0);
  var high = vec4<f32>(0.0);
  // Load only the inputs the chunk has edges for: every load costs on a software adapter, and
  // after pruning most new neurons keep one to three in-edges. The chunk list is sorted by
  // count, so neighbouring invocations take the same branch.
  if (count == 1u) {
    var single = 0.0;
    for (var r = 0u; r < params.rows; r = r + 1u) {
      single = fma(grad[r * params.dst + i], input[r * params.src + j[0]], single);
    }
    low.x = single;
  } else if (count <= 4u) {
    for (var r = 0u; r < params.rows; r = r + 1u) {
      let d = vec4<f32>(grad[r * params.dst + i]);
      let row = r * params.src;
      low = fma(d, vec4<f32>(input[row + j[0]], input[row + j[1]], input[row + j[2]], input[row + j[3]]), low);
    }
  } else {
    for (var r = 0u; r < params.rows; r = r + 1u) {
      let d = vec4<f32>(grad[r * params.dst + i]);
      let row = r * params.src;
      low = fma(d, vec4<f32>(input[row + j[0]], input[row + j[1]], input[row + j[2]], input[row + j[3]]), low);
      high = fma(d, vec4<f32>(input[row + j[4]], input[row + j[5]], input[row + j[6]], input[row + j[7]]), high);
    }
  }
  for (var k = 0u; k < count; k = k + 1u) {
    let e = first + k;
    let g = select(high[k - 4u], low[k], k < 4u);
    wgrad[e] = g;
    if (STATS) {
      edge_stats[3u * e] = edge_stats[3u * e] + abs(g);
      edge_stats[3u * e + 1u] = edge_stats[3u * e + 1u] + g;
      edge_stats[3u * e + 2u] = edge_stats[3u * e + 2u] + g * g;
    }
  }
}
