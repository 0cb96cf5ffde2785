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
//              out-edge, end out-edge), (activation code, adds, bias parameter, walked end);
//              out-edges [first, walked end) are walked one by one, [walked end, end) (a
//              hidden tail neuron's edges into the outputs, with OUTPUTS) through
//              output_edges; adds = 1: a
//              feeder's gradient is added to what its arena holds (its blocks into the output
//              level, run by the block kernels before, wrote it); a feeder's bias is not the
//              tail's (its block kernels take its gradient), so 0.
//   out_edges  the edges out of those sources, grouped by source in the order of `sources`:
//              (destination at, destination stride, weight parameter, 0). Every edge of the
//              tables is here once (a destination's in-edges are in `edges`, but for the
//              output level's from hidden tail neurons when OUTPUTS > 0).
//   drops      1 per tail neuron in the order of `neurons`: (level id, neuron index, 1 for a
//              hidden level's neuron (0 an output's), level size): where the mask of DROP is drawn;
//              then 1 per hidden tail neuron in the order of `sources` (the same entry again: the
//              backward walks the neurons in that order).
//   output_edges  (OUTPUTS > 0) per hidden tail neuron's entry of `sources`, ceil(OUTPUTS / 2)
//              entries holding OUTPUTS pairs, one per output neuron k (k / 2's entry, .xy for an
//              even k, .zw for an odd one): (its out-edge's entry in out_edges, its weight
//              parameter), or (NONE, NONE) where the neuron has no edge to k.
//
// OUTPUTS (override, 0–12): with an output level of OUTPUTS neurons (a classifier's), its
// in-edges from the tail's hidden levels are walked by source instead of by destination (a
// feeder's still by destination: few or none). graph_forward loads each source's
// 16 rows once and adds them, times its weights, to 16 rows × OUTPUTS sums held in registers
// (absent edges weigh 0), where walking the edges loaded one source row per edge and row;
// graph_backward loads the outputs' gradients once per invocation, where each out-edge into
// the outputs loaded its destination's 16 rows again. The MNIST reference run's final tail has
// ~1,300 of its ~2,100 edges into its 10 outputs: a step of it 8–9% faster, the forward and
// the backward 24% (SwiftShader, Node). The price is compile time, once a process: the
// forward 0.5–0.6 s and the backward 0.35–0.4 s against 0.1 and 0.2 s without OUTPUTS (the
// unrolled sums; four outputs at a time, or the sums passed by pointer, compiled slower).
//
// DROP (override): training's dropout of the tail's hidden levels. The forward multiplies a
// hidden neuron's activations by dropout.wgsl's factors (0 or drop_scale, from the same hash of
// drop_seed, the step in counter[0], the level id and the value's index row · size + neuron, so
// the tail drops what the block kernels would). The backward multiplies a ReLU neuron's
// gradient by drop_scale (ReLU's derivative, taken from the dropped activations, already holds
// the mask; dropout.wgsl's MASK off); any other neuron's derivative is taken at its dropped
// activation times drop_keep (the value before dropout where it was kept) and multiplied by
// its factor, drawn again from the hash (dropout.wgsl's backward with its mask). The feeders are the block
// kernels' levels: dropout.wgsl drops them, and the backward takes a feeder's derivative at its
// stored (dropped-out) activation times drop_keep (1 − rate, as the block kernels' DROP_KEEP:
// the value before dropout where it was kept; where it was dropped, dropout.wgsl's mask zeroes
// the gradient afterwards), which a tanh or sigmoid feeder needs and ReLU and identity ignore.
//
// Entry points:
//   graph_forward    every tail neuron in order: act(pre-sum + Σ w · source + bias), written to
//                    the activation arena (with DROP, a hidden one's times its dropout factor).
//   graph_backward   every hidden tail neuron, later levels first, then every feeder neuron:
//                    (Σ w · grad of destination) × act'(activation), written to the gradient
//                    arena (a feeder's: to its arena, added when `adds`); the output level's
//                    gradient comes from the loss. On the way, over the invocation's 16 rows,
//                    each out-edge's weight gradient Σ grad[r, dst] · act[r, src] and each
//                    hidden tail neuron's bias gradient Σ grad[r, i], into `partials` (entry o,
//                    invocation k at o · parts + k, parts = ceil(rows / 16); entries: the
//                    out-edges, then the hidden tail neurons in the order of `sources`).
//   graph_edge_grad  per entry of `partials`: the sum of its parts, in order, into the gradient
//                    buffer; then per output neuron its bias's Σ_r grad[r, i], from the
//                    gradient arena.
//
// Bindings (group 0):
//   @binding(0)  params     : uniform Params { rows, neurons, sources, out_edges, feeder_sources, outputs,
//                             edges_at, sources_at, out_edges_at, drops_at, output_edges_at,
//                             drop_seed, drop_threshold, drop_scale, drop_keep }
//   @binding(1)  tables     : storage, read vec4<u32>  the six tables one after another:
//                             `neurons` (2 × neurons entries) from 0, `edges` from edges_at,
//                             `sources` (2 × sources) from sources_at, `out_edges` from
//                             out_edges_at, `drops` (neurons + hidden tail neurons) from
//                             drops_at, `output_edges` from output_edges_at (one binding for
//                             them all, so that graph_backward under DROP binds 8 storage
//                             buffers, WebGPU's default maxStorageBuffersPerShaderStage)
//   @binding(5)  partials   : storage, rw              parts × (edges + hidden tail neurons)
//                                                      (backward writes, edge_grad reads)
//   @binding(6)  param      : storage, read            parameters       (forward, backward)
//   @binding(7)  arena      : storage, rw              activation arena (forward)
//   @binding(8)  act        : storage, read            activation arena (backward)
//   @binding(9)  grad_out   : storage, rw              gradient arena   (backward)
//   @binding(10) grad       : storage, read            gradient arena   (edge_grad)
//   @binding(11) wgrad      : storage, rw              parameters       (edge_grad)
//   @binding(13) feed_act   : storage, read            feeder activation arena (forward, backward)
//   @binding(14) feed_grad  : storage, rw              feeder gradient arena   (backward)
//   @binding(16) counter    : storage, read f32       counter[0]: the step the masks are drawn for (with DROP)
//
// Dispatch: graph_forward / graph_backward: workgroup 4, one invocation per 16 batch rows (each
//   invocation owns its rows, so levels need no barrier between them): grid (ceil(rows / 64), 1, 1).
//   graph_edge_grad: workgroup 64, one invocation per entry of `partials` and then one per output
//   neuron, grid (x, y, 1) with x·y·64 ≥ out_edges + sources − feeder_sources + outputs.

override ACT: u32 = 0u; // unused here; the activation prelude's fixed-code functions read it
override OUTPUTS: u32 = 0u; // 1–12: the output level's in-edges are walked densely (see above)
override DROP: bool = false; // training's dropout of the hidden tail levels (see above)
// With DROP: some hidden tail level is not ReLU, so the backward draws masks again. Off, that
// code is not compiled (a software adapter would run it beside ReLU's: the MNIST reference
// run's final tail, all ReLU, graph_backward 0.95 → 1.3–1.5 ms a step with it). Branches on it
// stand alone, never in an expression with a run-time value, so that they fold.
override DROP_REDRAW: bool = false;

const NONE: u32 = 0xffffffffu; // an absent edge in output_edges

const ROWS: u32 = 16u; // batch rows per invocation of graph_forward and graph_backward (four vec4 quarters)

struct Params {
  rows: u32,
  neurons: u32,
  sources: u32,         // entries of `sources`, the feeders' last
  out_edges: u32,       // entries of `out_edges`
  feeder_sources: u32,  // the feeders' entries at the end of `sources`
  outputs: u32,         // the output level's neurons, the last of `neurons`
  edges_at: u32,        // where `edges` starts in `tables` (in entries)
  sources_at: u32,      // where `sources` starts
  out_edges_at: u32,    // where `out_edges` starts
  drops_at: u32,        // where `drops` starts
  output_edges_at: u32, // where `output_edges` starts
  drop_seed: u32,       // DROP: the masks' seed, dropout.wgsl's threshold and scale
  drop_threshold: u32,
  drop_scale: f32,
  drop_keep: f32,       // DROP: 1 − rate, the feeders' derivatives' (see above)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> tables: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;
@group(0) @binding(6) var<storage, read> param: array<f32>;
@group(0) @binding(7) var<storage, read_write> arena: array<f32>;
@group(0) @binding(8) var<storage, read> act: array<f32>;
@group(0) @binding(9) var<storage, read_write> grad_out: array<f32>;
@group(0) @binding(10) var<storage, read> grad: array<f32>;
@group(0) @binding(11) var<storage, read_write> wgrad: array<f32>;
@group(0) @binding(13) var<storage, read> feed_act: array<f32>;
@group(0) @binding(14) var<storage, read_write> feed_grad: array<f32>;
@group(0) @binding(16) var<storage, read> counter: array<f32>;

// Entry i of each table in `tables`.
fn neurons(i: u32) -> vec4<u32> { return tables[i]; }
fn edges(i: u32) -> vec4<u32> { return tables[params.edges_at + i]; }
fn sources(i: u32) -> vec4<u32> { return tables[params.sources_at + i]; }
fn out_edges(i: u32) -> vec4<u32> { return tables[params.out_edges_at + i]; }
fn drops(i: u32) -> vec4<u32> { return tables[params.drops_at + i]; }

// Source n's `output_edges` pair for output k. Two components loaded alone, not the entry: k
// is a constant where the callers unroll it, and the forward reads only the weight's.
fn output_edges(n: u32, k: u32) -> vec2<u32> {
  let i = params.output_edges_at + n * ((OUTPUTS + 1u) / 2u) + k / 2u;
  let c = (k & 1u) * 2u;
  return vec2<u32>(tables[i][c], tables[i][c + 1u]);
}

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

fn no_rows() -> RowSums { return RowSums(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0)); }

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

fn act4(at: vec4<u32>) -> vec4<f32> { return vec4<f32>(act[at.x], act[at.y], act[at.z], act[at.w]); }

fn act_rows(at: u32, stride: u32, q: RowQuarters) -> RowSums {
  let a = vec4<u32>(at);
  return RowSums(act4(a + q.q0 * stride), act4(a + q.q1 * stride), act4(a + q.q2 * stride), act4(a + q.q3 * stride));
}

// v with its rows from r0 past the batch (clamped repeats of the last row) set to 0.
fn batch_only(r0: u32, v: RowSums) -> RowSums {
  let rows = vec4<u32>(params.rows);
  let zero = vec4<f32>(0.0);
  return RowSums(
    select(zero, v.s0, vec4<u32>(r0, r0 + 1u, r0 + 2u, r0 + 3u) < rows),
    select(zero, v.s1, vec4<u32>(r0 + 4u, r0 + 5u, r0 + 6u, r0 + 7u) < rows),
    select(zero, v.s2, vec4<u32>(r0 + 8u, r0 + 9u, r0 + 10u, r0 + 11u) < rows),
    select(zero, v.s3, vec4<u32>(r0 + 12u, r0 + 13u, r0 + 14u, r0 + 15u) < rows));
}

// How many groups of 16 rows, each an invocation's, the batch has: the parts of every entry of `partials`.
fn part_count() -> u32 { return (params.rows + ROWS - 1u) / ROWS; }

// Σ over the 16 rows of a · b.
fn row_dot(a: RowSums, b: RowSums) -> f32 {
  let p = fma(a.s3, b.s3, fma(a.s2, b.s2, fma(a.s1, b.s1, a.s0 * b.s0)));
  return (p.x + p.y) + (p.z + p.w);
}

fn grad_out_rows(at: u32, stride: u32, q: RowQuarters) -> RowSums {
  let a = vec4<u32>(at);
  return RowSums(grad_out4(a + q.q0 * stride), grad_out4(a + q.q1 * stride), grad_out4(a + q.q2 * stride), grad_out4(a + q.q3 * stride));
}

// act(z), with DROP times `drop` (dropout's factors), of the four rows from r0 into the
// activation arena at `at`, those inside the batch only.
fn store_activations(r0: u32, at: vec4<u32>, code: u32, z: vec4<f32>, drop: vec4<f32>) {
  // Row by row with constant component indices.
  if (r0 < params.rows) { arena[at.x] = dropped(activate_by(code, z.x), drop.x); }
  if (r0 + 1u < params.rows) { arena[at.y] = dropped(activate_by(code, z.y), drop.y); }
  if (r0 + 2u < params.rows) { arena[at.z] = dropped(activate_by(code, z.z), drop.z); }
  if (r0 + 3u < params.rows) { arena[at.w] = dropped(activate_by(code, z.w), drop.w); }
}

// v times its dropout factor f with DROP; v itself without (the code as it was, no product).
fn dropped(v: f32, f: f32) -> f32 {
  if (DROP) { return v * f; }
  return v;
}

// Dropout's factors (0 or drop_scale, as dropout.wgsl draws them) of the four rows from r
// of tail neuron `d` (its `drops` entry), whose level's hash prefix is `prefix`.
fn drop_quarter(prefix: u32, d: vec4<u32>, r: u32) -> vec4<f32> {
  let i = vec4<u32>(r, r + 1u, r + 2u, r + 3u) * d.w + vec4<u32>(d.y);
  let bits = vec4<u32>(drop_bits(prefix, i.x), drop_bits(prefix, i.y), drop_bits(prefix, i.z), drop_bits(prefix, i.w));
  return select(vec4<f32>(0.0), vec4<f32>(params.drop_scale), bits >= vec4<u32>(params.drop_threshold));
}

fn no_drop() -> RowSums { return RowSums(vec4<f32>(1.0), vec4<f32>(1.0), vec4<f32>(1.0), vec4<f32>(1.0)); }

// The dropout factors at the 16 rows from r0 of the tail neuron whose `drops` entry is i: 1
// without DROP or for an output.
fn drop_factors(i: u32, r0: u32) -> RowSums {
  if (!DROP) { return no_drop(); }
  let d = drops(i);
  if (d.z == 0u) { return no_drop(); }
  let prefix = drop_prefix(params.drop_seed, u32(counter[0]), d.x);
  return RowSums(drop_quarter(prefix, d, r0), drop_quarter(prefix, d, r0 + 4u), drop_quarter(prefix, d, r0 + 8u), drop_quarter(prefix, d, r0 + 12u));
}

// Hidden tail source n's dropout factors at the 16 rows from r0 where its gradient needs them
// (DROP, an activation other than ReLU: see store_gradients); 1 elsewhere.
fn source_drop_factors(n: u32, code: u32, r0: u32) -> RowSums {
  if (DROP_REDRAW) {
    if (code != 1u) { return drop_factors(params.neurons + n, r0); }
  }
  return no_drop();
}

// sum · act'(a) of a hidden tail neuron's four rows from r0 into the gradient arena at `at`,
// those inside the batch only (a: the rows' activations, dropped out with DROP); returns what
// it stored, summed. With DROP, a ReLU neuron's times drop_scale (its derivative at the dropped
// activation holds the mask; (sum · scale) · act' is (sum · act') · scale bit for bit, act'
// being 0 or 1); another's derivative at a · drop_keep, times its factors f (0 or drop_scale),
// in the block kernels' order: their backward, then dropout.wgsl's.
fn store_gradients(r0: u32, at: vec4<u32>, code: u32, sum: vec4<f32>, a: vec4<f32>, f: vec4<f32>) -> f32 {
  var d = sum;
  var x = a;
  var m = vec4<f32>(1.0);
  if (DROP_REDRAW) {
    if (code == 1u) { d = sum * params.drop_scale; } else { x = a * params.drop_keep; m = f; }
  } else if (DROP) {
    d = sum * params.drop_scale;
  }
  var stored = 0.0;
  if (r0 < params.rows) { let g = d.x * activate_grad_by(code, x.x) * m.x; grad_out[at.x] = g; stored = g; }
  if (r0 + 1u < params.rows) { let g = d.y * activate_grad_by(code, x.y) * m.y; grad_out[at.y] = g; stored = stored + g; }
  if (r0 + 2u < params.rows) { let g = d.z * activate_grad_by(code, x.z) * m.z; grad_out[at.z] = g; stored = stored + g; }
  if (r0 + 3u < params.rows) { let g = d.w * activate_grad_by(code, x.w) * m.w; grad_out[at.w] = g; stored = stored + g; }
  return stored;
}

// The same for a feeder, in the feeder arenas, added to what the gradient arena holds when
// kind.y = 1 (kind: its sources entry's second vector; kind.x the activation code).
fn store_feeder_gradients(r0: u32, at: vec4<u32>, kind: vec4<u32>, sum: vec4<f32>, a: vec4<f32>) {
  if (r0 < params.rows) { store_feeder_gradient(at.x, kind, sum.x, a.x); }
  if (r0 + 1u < params.rows) { store_feeder_gradient(at.y, kind, sum.y, a.y); }
  if (r0 + 2u < params.rows) { store_feeder_gradient(at.z, kind, sum.z, a.z); }
  if (r0 + 3u < params.rows) { store_feeder_gradient(at.w, kind, sum.w, a.w); }
}

fn store_feeder_gradient(at: u32, kind: vec4<u32>, value: f32, a: f32) {
  var kept = a;
  if (DROP) { kept = a * params.drop_keep; }
  var g = value * activate_grad_by(kind.x, kept);
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
  for (var n = 0u; n < params.neurons - OUTPUTS; n = n + 1u) {
    let head = neurons(2u * n);
    let tail = neurons(2u * n + 1u);
    let a0 = vec4<u32>(head.x) + q.q0 * head.y;
    let a1 = vec4<u32>(head.x) + q.q1 * head.y;
    let a2 = vec4<u32>(head.x) + q.q2 * head.y;
    let a3 = vec4<u32>(head.x) + q.q3 * head.y;
    var sums = no_rows();
    if (tail.z == 1u) { sums = arena_rows(head.x, head.y, q); }
    // Edges from feeders first (edges [first, tail.w)), then the tail's own: two loops, each
    // reading one arena, rather than a branch per edge, whose two sides a software adapter
    // both runs.
    for (var e = head.z; e < tail.w; e = e + 1u) {
      let edge = edges(e);
      sums = add_scaled(sums, param[edge.z], feeder_rows(edge.x, edge.y, q));
    }
    for (var e = tail.w; e < head.w; e = e + 1u) {
      let edge = edges(e);
      sums = add_scaled(sums, param[edge.z], arena_rows(edge.x, edge.y, q));
    }
    let b = vec4<f32>(param[tail.x]);
    let drop = drop_factors(n, r0);
    store_activations(r0, a0, tail.y, sums.s0 + b, drop.s0);
    store_activations(r0 + 4u, a1, tail.y, sums.s1 + b, drop.s1);
    store_activations(r0 + 8u, a2, tail.y, sums.s2 + b, drop.s2);
    store_activations(r0 + 12u, a3, tail.y, sums.s3 + b, drop.s3);
  }
  if (OUTPUTS > 0u) { forward_outputs(r0, q); }
}

// The 16 rows' sums of each output neuron k < OUTPUTS (k0..k11; the others stay 0).
struct OutputSums {
  k0: RowSums, k1: RowSums, k2: RowSums, k3: RowSums, k4: RowSums, k5: RowSums,
  k6: RowSums, k7: RowSums, k8: RowSums, k9: RowSums, k10: RowSums, k11: RowSums,
}

// Output neuron k's two `neurons` entries.
fn output_head(k: u32) -> vec4<u32> { return neurons(2u * (params.neurons - OUTPUTS + k)); }
fn output_tail(k: u32) -> vec4<u32> { return neurons(2u * (params.neurons - OUTPUTS + k) + 1u); }

// Output neuron k's sums before its edges from hidden tail neurons: what the block kernels
// left (pre) and its edges from feeders.
fn output_start(k: u32, q: RowQuarters) -> RowSums {
  let head = output_head(k);
  let tail = output_tail(k);
  var sums = no_rows();
  if (tail.z == 1u) { sums = arena_rows(head.x, head.y, q); }
  for (var e = head.z; e < tail.w; e = e + 1u) {
    let edge = edges(e);
    sums = add_scaled(sums, param[edge.z], feeder_rows(edge.x, edge.y, q));
  }
  return sums;
}

// The weight of source n's edge to output k, 0 where it has none.
fn output_weight(n: u32, k: u32) -> f32 {
  let p = output_edges(n, k).y;
  return select(0.0, param[min(p, arrayLength(&param) - 1u)], p != NONE);
}

// o plus source n's rows x times its weights to the outputs (constant member per output: the
// sums stay in registers, where an indexed array would live in memory).
fn add_outputs(o: OutputSums, n: u32, x: RowSums) -> OutputSums {
  var r = o;
  r.k0 = add_scaled(r.k0, output_weight(n, 0u), x);
  if (OUTPUTS > 1u) { r.k1 = add_scaled(r.k1, output_weight(n, 1u), x); }
  if (OUTPUTS > 2u) { r.k2 = add_scaled(r.k2, output_weight(n, 2u), x); }
  if (OUTPUTS > 3u) { r.k3 = add_scaled(r.k3, output_weight(n, 3u), x); }
  if (OUTPUTS > 4u) { r.k4 = add_scaled(r.k4, output_weight(n, 4u), x); }
  if (OUTPUTS > 5u) { r.k5 = add_scaled(r.k5, output_weight(n, 5u), x); }
  if (OUTPUTS > 6u) { r.k6 = add_scaled(r.k6, output_weight(n, 6u), x); }
  if (OUTPUTS > 7u) { r.k7 = add_scaled(r.k7, output_weight(n, 7u), x); }
  if (OUTPUTS > 8u) { r.k8 = add_scaled(r.k8, output_weight(n, 8u), x); }
  if (OUTPUTS > 9u) { r.k9 = add_scaled(r.k9, output_weight(n, 9u), x); }
  if (OUTPUTS > 10u) { r.k10 = add_scaled(r.k10, output_weight(n, 10u), x); }
  if (OUTPUTS > 11u) { r.k11 = add_scaled(r.k11, output_weight(n, 11u), x); }
  return r;
}

// act(sums + bias) of output k into the activation arena, rows inside the batch only.
fn store_output(r0: u32, q: RowQuarters, k: u32, sums: RowSums) {
  let head = output_head(k);
  let tail = output_tail(k);
  let b = vec4<f32>(param[tail.x]);
  let at = vec4<u32>(head.x);
  // An output: never dropped.
  let one = vec4<f32>(1.0);
  store_activations(r0, at + q.q0 * head.y, tail.y, sums.s0 + b, one);
  store_activations(r0 + 4u, at + q.q1 * head.y, tail.y, sums.s1 + b, one);
  store_activations(r0 + 8u, at + q.q2 * head.y, tail.y, sums.s2 + b, one);
  store_activations(r0 + 12u, at + q.q3 * head.y, tail.y, sums.s3 + b, one);
}

// The output level with OUTPUTS: after its feeders' edges, every hidden tail neuron (earlier
// levels first, as the edges' order by destination sums them) adds its rows to all outputs at
// once.
fn forward_outputs(r0: u32, q: RowQuarters) {
  // The outputs' starts and stores in loops over an array, not unrolled: a software adapter
  // compiles every copy, and only the sums of the source loop need registers.
  var start: array<RowSums, 12>;
  for (var k = 0u; k < OUTPUTS; k = k + 1u) { start[k] = output_start(k, q); }
  var o = OutputSums(start[0], start[1], start[2], start[3], start[4], start[5],
                     start[6], start[7], start[8], start[9], start[10], start[11]);
  for (var n = params.sources - params.feeder_sources; n > 0u; n = n - 1u) {
    let head = sources(2u * (n - 1u));
    o = add_outputs(o, n - 1u, arena_rows(head.x, head.y, q));
  }
  let sums = array<RowSums, 12>(o.k0, o.k1, o.k2, o.k3, o.k4, o.k5, o.k6, o.k7, o.k8, o.k9, o.k10, o.k11);
  for (var k = 0u; k < OUTPUTS; k = k + 1u) { store_output(r0, q, k, sums[k]); }
}

// Each source's activations are loaded once, both for its gradient's act' and for its out-edges'
// partial weight gradients, whose other factor, the destinations' gradients, the sum loads
// anyway. A weight gradient then costs a store an edge and invocation here and a sum of 16
// parts in graph_edge_grad, where a kernel of its own used to load both factors again, row by
// row, one load per row and edge (the MNIST reference run's final tail: graph_edge_grad took
// 1.3–1.8 ms a step in two dispatches, now 0.15–0.22 ms in one, for about 5% more here).
@compute @workgroup_size(4, 1, 1)
fn graph_backward(@builtin(global_invocation_id) id: vec3<u32>) {
  let r0 = id.x * ROWS;
  if (r0 >= params.rows) { return; }
  let q = row_quarters(r0);
  // The tail's hidden neurons, then the feeders' (their own loop: they live in other arenas).
  let own = params.sources - params.feeder_sources;
  let parts = part_count();
  // OUTPUTS: the output level's gradients at the 16 rows, loaded once for every source.
  var grads: array<RowSums, 12>;
  for (var k = 0u; k < OUTPUTS; k = k + 1u) { grads[k] = output_grads(k, q); }
  let g = OutputSums(grads[0], grads[1], grads[2], grads[3], grads[4], grads[5],
                     grads[6], grads[7], grads[8], grads[9], grads[10], grads[11]);
  for (var n = 0u; n < own; n = n + 1u) {
    let head = sources(2u * n);
    let kind = sources(2u * n + 1u);
    let code = kind.x;
    let a = batch_only(r0, act_rows(head.x, head.y, q));
    let sums = output_sums(out_sums(head, kind.w, q, a, id.x), n, g, a, id.x);
    let at = vec4<u32>(head.x);
    let f = source_drop_factors(n, code, r0);
    let low = store_gradients(r0, at + q.q0 * head.y, code, sums.s0, a.s0, f.s0) + store_gradients(r0 + 4u, at + q.q1 * head.y, code, sums.s1, a.s1, f.s1);
    let high = store_gradients(r0 + 8u, at + q.q2 * head.y, code, sums.s2, a.s2, f.s2) + store_gradients(r0 + 12u, at + q.q3 * head.y, code, sums.s3, a.s3, f.s3);
    partials[(params.out_edges + n) * parts + id.x] = low + high;
  }
  for (var n = own; n < params.sources; n = n + 1u) {
    let head = sources(2u * n);
    let kind = sources(2u * n + 1u);
    let a = batch_only(r0, feeder_rows(head.x, head.y, q));
    let sums = out_sums(head, kind.w, q, a, id.x);
    let at = vec4<u32>(head.x);
    store_feeder_gradients(r0, at + q.q0 * head.y, kind, sums.s0, a.s0);
    store_feeder_gradients(r0 + 4u, at + q.q1 * head.y, kind, sums.s1, a.s1);
    store_feeder_gradients(r0 + 8u, at + q.q2 * head.y, kind, sums.s2, a.s2);
    store_feeder_gradients(r0 + 12u, at + q.q3 * head.y, kind, sums.s3, a.s3);
  }
}

// Σ w · grad of destination over a source's out-edges [head.z, end) (head: its sources entry),
// 16 rows; and each out-edge's part k of its weight gradient, Σ grad · a over the rows (a: the
// source's activations, 0 past the batch).
fn out_sums(head: vec4<u32>, end: u32, q: RowQuarters, a: RowSums, k: u32) -> RowSums {
  let parts = part_count();
  var sums = no_rows();
  for (var e = head.z; e < end; e = e + 1u) {
    let edge = out_edges(e);
    let g = grad_out_rows(edge.x, edge.y, q);
    sums = add_scaled(sums, param[edge.z], g);
    partials[e * parts + k] = row_dot(g, a);
  }
  return sums;
}

// Output neuron k's gradient at the 16 rows.
fn output_grads(k: u32, q: RowQuarters) -> RowSums {
  let head = output_head(k);
  return grad_out_rows(head.x, head.y, q);
}

// sums plus source n's edge to output k: w · its gradient g, and the edge's part `part` of its
// weight gradient, Σ g · a over the rows.
fn output_edge(sums: RowSums, n: u32, k: u32, g: RowSums, a: RowSums, part: u32) -> RowSums {
  if (k >= OUTPUTS) { return sums; }
  let edge = output_edges(n, k);
  let present = edge.x != NONE;
  if (present) { partials[edge.x * part_count() + part] = row_dot(g, a); }
  return add_scaled(sums, select(0.0, param[min(edge.y, arrayLength(&param) - 1u)], present), g);
}

// out_sums' work for source n's edges into the outputs, with OUTPUTS (g: their gradients).
fn output_sums(sums: RowSums, n: u32, g: OutputSums, a: RowSums, part: u32) -> RowSums {
  if (OUTPUTS == 0u) { return sums; }
  var s = sums;
  s = output_edge(s, n, 0u, g.k0, a, part); s = output_edge(s, n, 1u, g.k1, a, part);
  s = output_edge(s, n, 2u, g.k2, a, part); s = output_edge(s, n, 3u, g.k3, a, part);
  s = output_edge(s, n, 4u, g.k4, a, part); s = output_edge(s, n, 5u, g.k5, a, part);
  s = output_edge(s, n, 6u, g.k6, a, part); s = output_edge(s, n, 7u, g.k7, a, part);
  s = output_edge(s, n, 8u, g.k8, a, part); s = output_edge(s, n, 9u, g.k9, a, part);
  s = output_edge(s, n, 10u, g.k10, a, part); s = output_edge(s, n, 11u, g.k11, a, part);
  return s;
}

@compute @workgroup_size(64, 1, 1)
fn graph_edge_grad(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * 64u;
  let entries = params.out_edges + params.sources - params.feeder_sources;
  if (i < entries) {
    let parts = part_count();
    var value = 0.0;
    for (var k = 0u; k < parts; k = k + 1u) { value = value + partials[i * parts + k]; }
    if (i >= params.out_edges) {
      wgrad[sources(2u * (i - params.out_edges) + 1u).z] = value;
    } else {
      wgrad[out_edges(i).z] = value;
    }
    return;
  }
  // An output neuron's bias: its gradient came from the loss, not from graph_backward.
  let o = i - entries;
  if (o >= params.outputs) { return; }
  let head = neurons(2u * (params.neurons - params.outputs + o));
  var sum = 0.0;
  for (var r = 0u; r < params.rows; r = r + 1u) { sum = sum + grad[head.x + r * head.y]; }
  wgrad[neurons(2u * (params.neurons - params.outputs + o) + 1u).x] = sum;
}
