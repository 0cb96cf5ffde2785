// graph.wgsl — kernels of a grown network's fused tail: its last levels, joined by many small
// sparse blocks (after the MNIST reference run's six splits, ~20 blocks of 8–150 edges each).
// Block by block they cost one or two dispatches each, mostly fixed cost on a software adapter;
// these kernels walk every edge of the tail in one dispatch per pass. Which levels form the tail:
// src/graph/fusion.ts; the tables below: src/kernels/graph.ts.
//
// Layout: the tail's activations live in one buffer (the activation arena), their gradients
// (w.r.t. pre-activations) in another of the same layout: batch row r, neuron i of a level
// whose values start at `base` is at base + r·size + i. A neuron's `at` is base + i and its
// `stride` the level's size. Parameters are read from the network's flat buffer by index.
//
// Tables (storage, read, one vec4<u32> per entry):
//   neurons    2 per tail neuron in evaluation order (output level last):
//              (at, stride, first edge, end edge), (bias parameter, activation code, pre, 0);
//              pre = 1: the arena already holds a partial sum (blocks from earlier levels,
//              added by the block kernels).
//   edges      the edges into tail neurons, grouped by destination in the order of `neurons`:
//              (source at, source stride, weight parameter, 0).
//   sources    2 per hidden tail neuron, later levels first: (at, stride, first out-edge, end
//              out-edge), (activation code, 0, 0, 0).
//   out_edges  the edges out of hidden tail neurons, grouped by source in the order of
//              `sources`: (destination at, destination stride, weight parameter, 0).
//   chunks     graph_edge_grad's work: (first edge, count 1..8, destination at, destination
//              stride): up to 8 consecutive edges of one destination; or (bias parameter, 0,
//              at, stride): a neuron's bias.
//
// Entry points:
//   graph_forward    every tail neuron in order: act(pre-sum + Σ w · source + bias), written to
//                    the activation arena.
//   graph_backward   every hidden tail neuron, later levels first: (Σ w · grad of destination)
//                    × act'(activation), written to the gradient arena; the output level's
//                    gradient comes from the loss.
//   graph_edge_grad  per chunk: each edge's Σ_r grad[r, dst] · act[r, src], or the bias's
//                    Σ_r grad[r, i], into the gradient buffer; with STATS, also (|g|, g, g²)
//                    added to the edge's running statistics (not for biases).
//
// Bindings (group 0):
//   @binding(0)  params     : uniform Params { rows, neurons, sources, chunks }
//   @binding(1)  neurons    : storage, read vec4<u32>  2 × neurons      (forward)
//   @binding(2)  edges      : storage, read vec4<u32>  edges            (forward, edge_grad)
//   @binding(3)  sources    : storage, read vec4<u32>  2 × sources      (backward)
//   @binding(4)  out_edges  : storage, read vec4<u32>  edges            (backward)
//   @binding(5)  chunks     : storage, read vec4<u32>  chunks           (edge_grad)
//   @binding(6)  param      : storage, read            parameters       (forward, backward)
//   @binding(7)  arena      : storage, rw              activation arena (forward)
//   @binding(8)  act        : storage, read            activation arena (backward, edge_grad)
//   @binding(9)  grad_out   : storage, rw              gradient arena   (backward)
//   @binding(10) grad       : storage, read            gradient arena   (edge_grad)
//   @binding(11) wgrad      : storage, rw              parameters       (edge_grad)
//   @binding(12) edge_stats : storage, rw              3 × parameters   (edge_grad with STATS)
//
// Dispatch: graph_forward / graph_backward: workgroup 4, one invocation per 16 batch rows (each
//   invocation owns its rows, so levels need no barrier between them): grid (ceil(rows / 64), 1, 1).
//   graph_edge_grad: workgroup 64, one invocation per chunk, grid (x, y, 1) with x·y·64 ≥ chunks.

override ACT: u32 = 0u; // unused here; the activation prelude's fixed-code functions read it
override STATS: bool = false;

const ROWS: u32 = 16u; // batch rows per invocation of graph_forward and graph_backward (four vec4 quarters)

struct Params {
  rows: u32,
  neurons: u32,
  sources: u32,
  chunks: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> neurons: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> edges: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> sources: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> out_edges: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read> chunks: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read> param: array<f32>;
@group(0) @binding(7) var<storage, read_write> arena: array<f32>;
@group(0) @binding(8) var<storage, read> act: array<f32>;
@group(0) @binding(9) var<storage, read_write> grad_out: array<f32>;
@group(0) @binding(10) var<storage, read> grad: array<f32>;
@group(0) @binding(11) var<storage, read_write> wgrad: array<f32>;
@group(0) @binding(12) var<storage, read_write> edge_stats: array<f32>;

// Four batch rows from r0, clamped to the last row: rows past the batch repeat it and are
// never stored.
fn batch_rows(r0: u32) -> vec4<u32> {
  return min(vec4<u32>(r0, r0 + 1u, r0 + 2u, r0 + 3u), vec4<u32>(params.rows - 1u));
}

// The invocation's 16 batch rows from r0, as four clamped quarters (see batch_rows).
struct RowQuarters {
  q0: vec4<u32>,
  q1: vec4<u32>,
  q2: vec4<u32>,
  q3: vec4<u32>,
}

fn row_quarters(r0: u32) -> RowQuarters {
  return RowQuarters(batch_rows(r0), batch_rows(r0 + 4u), batch_rows(r0 + 8u), batch_rows(r0 + 12u));
}

fn arena4(at: vec4<u32>) -> vec4<f32> { return vec4<f32>(arena[at.x], arena[at.y], arena[at.z], arena[at.w]); }

fn grad_out4(at: vec4<u32>) -> vec4<f32> { return vec4<f32>(grad_out[at.x], grad_out[at.y], grad_out[at.z], grad_out[at.w]); }

// act(z) of the four rows from r0 into the activation arena at `at`, those inside the batch only.
fn store_activations(r0: u32, at: vec4<u32>, code: u32, z: vec4<f32>) {
  // Row by row with constant component indices.
  if (r0 < params.rows) { arena[at.x] = activate_by(code, z.x); }
  if (r0 + 1u < params.rows) { arena[at.y] = activate_by(code, z.y); }
  if (r0 + 2u < params.rows) { arena[at.z] = activate_by(code, z.z); }
  if (r0 + 3u < params.rows) { arena[at.w] = activate_by(code, z.w); }
}

// sum · act'(a) of the four rows from r0 into the gradient arena at `at`, those inside the batch only.
fn store_gradients(r0: u32, at: vec4<u32>, code: u32, sum: vec4<f32>) {
  if (r0 < params.rows) { grad_out[at.x] = sum.x * activate_grad_by(code, act[at.x]); }
  if (r0 + 1u < params.rows) { grad_out[at.y] = sum.y * activate_grad_by(code, act[at.y]); }
  if (r0 + 2u < params.rows) { grad_out[at.z] = sum.z * activate_grad_by(code, act[at.z]); }
  if (r0 + 3u < params.rows) { grad_out[at.w] = sum.w * activate_grad_by(code, act[at.w]); }
}

// A software adapter gathers every loaded value lane by lane, an edge's table entry and weight
// included, even where all lanes read the same address: 16 rows an invocation share those loads
// over 4x the rows of 4 (a step of the MNIST reference run's tail after its fifth split, 1,900
// edges: forward 2.6 → 1.6 ms, backward 2.5 → 1.5 ms). Workgroups of 4: a batch of 256 rows
// is still 4 workgroups, work for two cores.
@compute @workgroup_size(4, 1, 1)
fn graph_forward(@builtin(global_invocation_id) id: vec3<u32>) {
  let r0 = id.x * ROWS;
  if (r0 >= params.rows) { return; }
  let q = row_quarters(r0);
  for (var n = 0u; n < params.neurons; n = n + 1u) {
    let head = neurons[2u * n];
    let tail = neurons[2u * n + 1u];
    let a0 = vec4<u32>(head.x) + q.q0 * head.y;
    let a1 = vec4<u32>(head.x) + q.q1 * head.y;
    let a2 = vec4<u32>(head.x) + q.q2 * head.y;
    let a3 = vec4<u32>(head.x) + q.q3 * head.y;
    var s0 = vec4<f32>(0.0); var s1 = vec4<f32>(0.0); var s2 = vec4<f32>(0.0); var s3 = vec4<f32>(0.0);
    if (tail.z == 1u) { s0 = arena4(a0); s1 = arena4(a1); s2 = arena4(a2); s3 = arena4(a3); }
    for (var e = head.z; e < head.w; e = e + 1u) {
      let edge = edges[e];
      let w = vec4<f32>(param[edge.z]);
      let src = vec4<u32>(edge.x);
      s0 = fma(w, arena4(src + q.q0 * edge.y), s0);
      s1 = fma(w, arena4(src + q.q1 * edge.y), s1);
      s2 = fma(w, arena4(src + q.q2 * edge.y), s2);
      s3 = fma(w, arena4(src + q.q3 * edge.y), s3);
    }
    let b = vec4<f32>(param[tail.x]);
    store_activations(r0, a0, tail.y, s0 + b);
    store_activations(r0 + 4u, a1, tail.y, s1 + b);
    store_activations(r0 + 8u, a2, tail.y, s2 + b);
    store_activations(r0 + 12u, a3, tail.y, s3 + b);
  }
}

@compute @workgroup_size(4, 1, 1)
fn graph_backward(@builtin(global_invocation_id) id: vec3<u32>) {
  let r0 = id.x * ROWS;
  if (r0 >= params.rows) { return; }
  let q = row_quarters(r0);
  for (var n = 0u; n < params.sources; n = n + 1u) {
    let head = sources[2u * n];
    let code = sources[2u * n + 1u].x;
    var s0 = vec4<f32>(0.0); var s1 = vec4<f32>(0.0); var s2 = vec4<f32>(0.0); var s3 = vec4<f32>(0.0);
    for (var e = head.z; e < head.w; e = e + 1u) {
      let edge = out_edges[e];
      let w = vec4<f32>(param[edge.z]);
      let dst = vec4<u32>(edge.x);
      s0 = fma(w, grad_out4(dst + q.q0 * edge.y), s0);
      s1 = fma(w, grad_out4(dst + q.q1 * edge.y), s1);
      s2 = fma(w, grad_out4(dst + q.q2 * edge.y), s2);
      s3 = fma(w, grad_out4(dst + q.q3 * edge.y), s3);
    }
    let at = vec4<u32>(head.x);
    store_gradients(r0, at + q.q0 * head.y, code, s0);
    store_gradients(r0 + 4u, at + q.q1 * head.y, code, s1);
    store_gradients(r0 + 8u, at + q.q2 * head.y, code, s2);
    store_gradients(r0 + 12u, at + q.q3 * head.y, code, s3);
  }
}

@compute @workgroup_size(64, 1, 1)
fn graph_edge_grad(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let c = id.x + id.y * groups.x * 64u;
  if (c >= params.chunks) { return; }
  let chunk = chunks[c];
  let count = chunk.y;
  let d_at = chunk.z;
  let d_stride = chunk.w;
  if (count == 0u) {
    var sum = 0.0;
    for (var r = 0u; r < params.rows; r = r + 1u) { sum = sum + grad[d_at + r * d_stride]; }
    wgrad[chunk.x] = sum;
    return;
  }
  // Up to 8 edges into one destination: each row's gradient is loaded once for all of them.
  // Chunks come sorted by count, so neighbouring invocations take the same branch.
  let last = chunk.x + count - 1u;
  let e0 = edges[chunk.x];
  var g = vec4<f32>(0.0);
  var h = vec4<f32>(0.0);
  if (count == 1u) {
    for (var r = 0u; r < params.rows; r = r + 1u) {
      g.x = fma(grad[d_at + r * d_stride], act[e0.x + r * e0.y], g.x);
    }
  } else {
    let e1 = edges[min(chunk.x + 1u, last)];
    let e2 = edges[min(chunk.x + 2u, last)];
    let e3 = edges[min(chunk.x + 3u, last)];
    if (count <= 4u) {
      for (var r = 0u; r < params.rows; r = r + 1u) {
        let d = vec4<f32>(grad[d_at + r * d_stride]);
        g = fma(d, vec4<f32>(act[e0.x + r * e0.y], act[e1.x + r * e1.y], act[e2.x + r * e2.y], act[e3.x + r * e3.y]), g);
      }
    } else {
      let e4 = edges[min(chunk.x + 4u, last)];
      let e5 = edges[min(chunk.x + 5u, last)];
      let e6 = edges[min(chunk.x + 6u, last)];
      let e7 = edges[min(chunk.x + 7u, last)];
      for (var r = 0u; r < params.rows; r = r + 1u) {
        let d = vec4<f32>(grad[d_at + r * d_stride]);
        g = fma(d, vec4<f32>(act[e0.x + r * e0.y], act[e1.x + r * e1.y], act[e2.x + r * e2.y], act[e3.x + r * e3.y]), g);
        h = fma(d, vec4<f32>(act[e4.x + r * e4.y], act[e5.x + r * e5.y], act[e6.x + r * e6.y], act[e7.x + r * e7.y]), h);
      }
    }
  }
  for (var k = 0u; k < count; k = k + 1u) {
    let p = edges[chunk.x + k].z;
    let value = select(h[k - 4u], g[k], k < 4u);
    wgrad[p] = value;
    if (STATS) {
      edge_stats[3u * p] = edge_stats[3u * p] + abs(value);
      edge_stats[3u * p + 1u] = edge_stats[3u * p + 1u] + value;
      edge_stats[3u * p + 2u] = edge_stats[3u * p + 2u] + value * value;
    }
  }
}
