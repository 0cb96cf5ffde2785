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
// ACCUMULATE adds what out holds before FINISH (levels fed by several blocks); FINISH 0 none,
// 1 bias + activation (spmm), 2 × activation derivative of aux (spmm_t); ACT as in activation.wgsl.
//
// Bindings (group 0):
//   @binding(0)  params     : uniform Params { rows, dst, src, edges }
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
//
// Dispatch: spmm / spmm_t: workgroup 64; invocation x walks the batch rows and y the neurons,
//   so the 64 lanes of a workgroup share one neuron's edge list (uniform loop bounds, broadcast
//   weight loads); grid (ceil(rows / 64), neurons, 1), neurons ≤ 65535.
//   edge_grad: workgroup 64, one invocation per edge, grid (x, y, 1) with x·y·64 ≥ edges.

override ACCUMULATE: bool = false;
override FINISH: u32 = 0u;
override ACT: u32 = 0u;
override STATS: bool = false;

struct Params {
  rows: u32,
  dst: u32,
  src: u32,
  edges: u32,
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

@compute @workgroup_size(64, 1, 1)
fn spmm(@builtin(global_invocation_id) id: vec3<u32>) {
  let r = id.x;
  let i = id.y;
  if (r >= params.rows || i >= params.dst) { return; }
  var sum = 0.0;
  let row = r * params.src;
  for (var e = dst_ptr[i]; e < dst_ptr[i + 1u]; e = e + 1u) {
    sum = fma(weight[e], input[row + src_of[e]], sum);
  }
  let at = r * params.dst + i;
  if (ACCUMULATE) { sum = sum + out[at]; }
  if (FINISH == 1u) { sum = activate(sum + bias[i]); }
  out[at] = sum;
}

@compute @workgroup_size(64, 1, 1)
fn spmm_t(@builtin(global_invocation_id) id: vec3<u32>) {
  let r = id.x;
  let j = id.y;
  if (r >= params.rows || j >= params.src) { return; }
  var sum = 0.0;
  let row = r * params.dst;
  for (var s = src_ptr[j]; s < src_ptr[j + 1u]; s = s + 1u) {
    let e = src_edges[s];
    sum = fma(weight[e], grad[row + dst_of[e]], sum);
  }
  let at = r * params.src + j;
  if (ACCUMULATE) { sum = sum + out[at]; }
  if (FINISH == 2u) { sum = sum * activate_grad(aux[at]); }
  out[at] = sum;
}

@compute @workgroup_size(64, 1, 1)
fn edge_grad(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let e = id.x + id.y * groups.x * 64u;
  if (e >= params.edges) { return; }
  let i = dst_of[e];
  let j = src_of[e];
  var g = 0.0;
  for (var r = 0u; r < params.rows; r = r + 1u) {
    g = fma(grad[r * params.dst + i], input[r * params.src + j], g);
  }
  wgrad[e] = g;
  if (STATS) {
    edge_stats[3u * e] = edge_stats[3u * e] + abs(g);
    edge_stats[3u * e + 1u] = edge_stats[3u * e + 1u] + g;
    edge_stats[3u * e + 2u] = edge_stats[3u * e + 2u] + g * g;
  }
}
