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
// Feeders: hidden levels before the tail with sparse blocks into it (src/graph/fusion.ts). The
// block kernels compute them, but their activations and gradients live in a second pair of
// arenas (feed_act, feed_grad; a block kernel may read a feeder and write a tail level in one
// dispatch, which one shared buffer would forbid), so these kernels also run the feeders'
// blocks into the tail.
//
// Tables (storage, read, one vec4<u32> per entry):
//   neurons    2 per tail neuron in evaluation order (output level last):
//              (at, stride, first edge, end edge), (bias parameter, activation code, pre, mid);
//              pre = 1: the arena already holds a partial sum (blocks from earlier levels,
//              added by the block kernels); edges [first, mid) come from feeders.
//   edges      the edges into tail neurons, grouped by destination in the order of `neurons`,
//              each destination's from feeders first: (source at, source stride, weight
//              parameter, 0); `at` in the feeder arena for an edge from a feeder.
//   sources    2 per hidden tail neuron, later levels first, then the last `feeder_sources`
//              entries: the feeders' neurons (at in the feeder arenas): (at, stride, first
//              out-edge, end out-edge), (activation code, adds, 0, 0); adds = 1: a feeder's
//              gradient is added to what its arena holds (its blocks into the output level,
//              run by the block kernels before, wrote it).
//   out_edges  the edges out of those sources, grouped by source in the order of `sources`:
//              (destination at, destination stride, weight parameter, 0).
//   chunks     graph_edge_grad's work, the feeders' edges first: (first edge, count 1..8,
//              destination at, destination stride): up to 8 consecutive edges of one
//              destination, all from feeders or all not; or (bias parameter, 0, at, stride): a
//              neuron's bias.
//
// Entry points:
//   graph_forward    every tail neuron in order: act(pre-sum + Σ w · source + bias), written to
//                    the activation arena.
//   graph_backward   every hidden tail neuron, later levels first, then every feeder neuron:
//                    (Σ w · grad of destination) × act'(activation), written to the gradient
//                    arena (a feeder's: to its arena, added when `adds`); the output level's
//                    gradient comes from the loss.
//   graph_edge_grad  per chunk: each edge's Σ_r grad[r, dst] · act[r, src], or the bias's
//                    Σ_r grad[r, i], into the gradient buffer; with STATS, also (|g|, g, g²)
//                    added to the edge's running statistics (not for biases). FEEDERS: the
//                    dispatch for the feeders' chunks (sources read from feed_act).
//
// Bindings (group 0):
//   @binding(0)  params     : uniform Params { rows, neurons, sources, chunks, feeder_sources, chunk_base }
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
//   @binding(13) feed_act   : storage, read            feeder activation arena (forward, backward, edge_grad with FEEDERS)
//   @binding(14) feed_grad  : storage, rw              feeder gradient arena   (backward)
//
// Dispatch: graph_forward / graph_backward: workgroup 4, one invocation per 16 batch rows (each
//   invocation owns its rows, so levels need no barrier between them): grid (ceil(rows / 64), 1, 1).
//   graph_edge_grad: workgroup 64, one invocation per chunk of chunks [chunk_base, chunk_base +
//   chunks), grid (x, y, 1) with x·y·64 ≥ chunks; one dispatch for the feeders' chunks (FEEDERS)
//   and one for the others.

override ACT: u32 = 0u; // unused here; the activation prelude's fixed-code functions read it
override STATS: bool = false;

const ROWS: u32 = 16u; // batch rows per invocation of graph_forward and graph_backward (four vec4 quarters)

struct Params {
  rows: u32,
  neurons: u32,
  sources: u32,         // entries of `sources`, the feeders' last
  chunks: u32,          // chunks of this graph_edge_grad dispatch, from chunk_base
  feeder_sources: u32,  // the feeders' entries at the end of `sources`
  chunk_base: u32,
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
@group(0) @binding(13) var<storage, read> feed_act: array<f32>;
@group(0) @binding(14) var<storage, read_write> feed_grad: array<f32>;

// graph_edge_grad's chunks are edges from feeders (their sources are in feed_act), which
// come first in the chunk table, not the tail's own: a second dispatch, since a software
// adapter pays for both sides of a branch, even a uniform one.
override FEEDERS: bool = false;

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

fn feed_act4(at: vec4<u32>) -> vec4<f32> { return vec4<f32>(feed_act[at.x], feed_act[at.y], feed_act[at.z], feed_act[at.w]); }

fn grad_out4(at: vec4<u32>) -> vec4<f32> { return vec4<f32>(grad_out[at.x], grad_out[at.y], grad_out[at.z], grad_out[at.w]); }

// The 16 rows' running sums of an invocation, four rows a vector.
struct RowSums {
  s0: vec4<f32>,
  s1: vec4<f32>,
  s2: vec4<f32>,
  s3: vec4<f32>,
}

// sums + w · v, row by row.
fn add_scaled(sums: RowSums, w: f32, v: RowSums) -> RowSums {
  let ww = vec4<f32>(w);
  return RowSums(fma(ww, v.s0, sums.s0), fma(ww, v.s1, sums.s1), fma(ww, v.s2, sums.s2), fma(ww, v.s3, sums.s3));
}

// The 16 rows' values of a neuron at `at` with row stride `stride`: in the activation arena
// (arena_rows), the feeder activation arena (feeder_rows) or the gradient arena (grad_out_rows).
fn arena_rows(at: u32, stride: u32, q: RowQuarters) -> RowSums {
  let a = vec4<u32>(at);
  return RowSums(arena4(a + q.q0 * stride), arena4(a + q.q1 * stride), arena4(a + q.q2 * stride), arena4(a + q.q3 * stride));
}

fn feeder_rows(at: u32, stride: u32, q: RowQuarters) -> RowSums {
  let a = vec4<u32>(at);
  return RowSums(feed_act4(a + q.q0 * stride), feed_act4(a + q.q1 * stride), feed_act4(a + q.q2 * stride), feed_act4(a + q.q3 * stride));
}

fn grad_out_rows(at: u32, stride: u32, q: RowQuarters) -> RowSums {
  let a = vec4<u32>(at);
  return RowSums(grad_out4(a + q.q0 * stride), grad_out4(a + q.q1 * stride), grad_out4(a + q.q2 * stride), grad_out4(a + q.q3 * stride));
}

// act[at] of graph_edge_grad, from the feeder arena in its dispatch for feeders' edges.
fn source_at(at: u32) -> f32 {
  if (FEEDERS) { return feed_act[at]; }
  return act[at];
}

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

// The same for a feeder, in the feeder arenas, added to what the gradient arena holds when
// kind.y = 1 (kind: its sources entry's second vector; kind.x the activation code).
fn store_feeder_gradients(r0: u32, at: vec4<u32>, kind: vec4<u32>, sum: vec4<f32>) {
  if (r0 < params.rows) { store_feeder_gradient(at.x, kind, sum.x); }
  if (r0 + 1u < params.rows) { store_feeder_gradient(at.y, kind, sum.y); }
  if (r0 + 2u < params.rows) { store_feeder_gradient(at.z, kind, sum.z); }
  if (r0 + 3u < params.rows) { store_feeder_gradient(at.w, kind, sum.w); }
}

fn store_feeder_gradient(at: u32, kind: vec4<u32>, value: f32) {
  var g = value * activate_grad_by(kind.x, feed_act[at]);
  if (kind.y == 1u) { g = g + feed_grad[at]; }
  feed_grad[at] = g;
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
    var sums = RowSums(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
    if (tail.z == 1u) { sums = arena_rows(head.x, head.y, q); }
    // Edges from feeders first (edges [first, tail.w)), then the tail's own: two loops, each
    // reading one arena, rather than a branch per edge, whose two sides a software adapter
    // both runs.
    for (var e = head.z; e < tail.w; e = e + 1u) {
      let edge = edges[e];
      sums = add_scaled(sums, param[edge.z], feeder_rows(edge.x, edge.y, q));
    }
    for (var e = tail.w; e < head.w; e = e + 1u) {
      let edge = edges[e];
      sums = add_scaled(sums, param[edge.z], arena_rows(edge.x, edge.y, q));
    }
    let b = vec4<f32>(param[tail.x]);
    store_activations(r0, a0, tail.y, sums.s0 + b);
    store_activations(r0 + 4u, a1, tail.y, sums.s1 + b);
    store_activations(r0 + 8u, a2, tail.y, sums.s2 + b);
    store_activations(r0 + 12u, a3, tail.y, sums.s3 + b);
  }
}

@compute @workgroup_size(4, 1, 1)
fn graph_backward(@builtin(global_invocation_id) id: vec3<u32>) {
  let r0 = id.x * ROWS;
  if (r0 >= params.rows) { return; }
  let q = row_quarters(r0);
  // The tail's hidden neurons, then the feeders' (their own loop: they store elsewhere).
  let own = params.sources - params.feeder_sources;
  for (var n = 0u; n < own; n = n + 1u) {
    let head = sources[2u * n];
    let code = sources[2u * n + 1u].x;
    let sums = out_sums(head, q);
    let at = vec4<u32>(head.x);
    store_gradients(r0, at + q.q0 * head.y, code, sums.s0);
    store_gradients(r0 + 4u, at + q.q1 * head.y, code, sums.s1);
    store_gradients(r0 + 8u, at + q.q2 * head.y, code, sums.s2);
    store_gradients(r0 + 12u, at + q.q3 * head.y, code, sums.s3);
  }
  for (var n = own; n < params.sources; n = n + 1u) {
    let head = sources[2u * n];
    let kind = sources[2u * n + 1u];
    let sums = out_sums(head, q);
    let at = vec4<u32>(head.x);
    store_feeder_gradients(r0, at + q.q0 * head.y, kind, sums.s0);
    store_feeder_gradients(r0 + 4u, at + q.q1 * head.y, kind, sums.s1);
    store_feeder_gradients(r0 + 8u, at + q.q2 * head.y, kind, sums.s2);
    store_feeder_gradients(r0 + 12u, at + q.q3 * head.y, kind, sums.s3);
  }
}

// Σ w · grad of destination over a source's out-edges (head: its sources entry), 16 rows.
fn out_sums(head: vec4<u32>, q: RowQuarters) -> RowSums {
  var sums = RowSums(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  for (var e = head.z; e < head.w; e = e + 1u) {
    let edge = out_edges[e];
    sums = add_scaled(sums, param[edge.z], grad_out_rows(edge.x, edge.y, q));
  }
  return sums;
}

@compute @workgroup_size(64, 1, 1)
fn graph_edge_grad(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let local = id.x + id.y * groups.x * 64u;
  if (local >= params.chunks) { return; }
  let chunk = chunks[params.chunk_base + local];
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
      g.x = fma(grad[d_at + r * d_stride], source_at(e0.x + r * e0.y), g.x);
    }
  } else {
    let e1 = edges[min(chunk.x + 1u, last)];
    let e2 = edges[min(chunk.x + 2u, last)];
    let e3 = edges[min(chunk.x + 3u, last)];
    if (count <= 4u) {
      for (var r = 0u; r < params.rows; r = r + 1u) {
        let d = vec4<f32>(grad[d_at + r * d_stride]);
        g = fma(d, vec4<f32>(source_at(e0.x + r * e0.y), source_at(e1.x + r * e1.y), source_at(e2.x + r * e2.y), source_at(e3.x + r * e3.y)), g);
      }
    } else {
      let e4 = edges[min(chunk.x + 4u, last)];
      let e5 = edges[min(chunk.x + 5u, last)];
      let e6 = edges[min(chunk.x + 6u, last)];
      let e7 = edges[min(chunk.x + 7u, last)];
      for (var r = 0u; r < params.rows; r = r + 1u) {
        let d = vec4<f32>(grad[d_at + r * d_stride]);
        g = fma(d, vec4<f32>(source_at(e0.x + r * e0.y), source_at(e1.x + r * e1.y), source_at(e2.x + r * e2.y), source_at(e3.x + r * e3.y)), g);
        h = fma(d, vec4<f32>(source_at(e4.x + r * e4.y), source_at(e5.x + r * e5.y), source_at(e6.x + r * e6.y), source_at(e7.x + r * e7.y)), h);
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
