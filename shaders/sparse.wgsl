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
//   edge_grad_parts  the same weight gradients as sums of the parts that
//               spmm_t with PARTIALS left: a block out of a hidden level runs its weight
//               gradient inside its input gradient, which loads every edge's grad rows anyway;
//               it then loads its source's input rows once and stores, per edge and 16 rows,
//               Σ grad · input at partials[e · parts + k] (k the rows' group, parts =
//               ceil(rows / 16)), where edge_grad loads both factors again, one load a row and
//               edge (the 10%-dense 784→344 level of `npm run bench`: see the README);
//               with PART_ROWS 32, the parts that edge_grad_parts32 left
//   edge_grad_parts32  a CSR block out of the input level's weight gradients in parts of 32 rows,
//               walked like spmm (how training takes them; see the entry point)
//   to_columns  quads[j · column_words + p] = input[4p..4p+3, j] (0 past the batch): a batch-major
//               level (rows × src) as f32 columns, for the column forms below
//   weights_by_source  weight_by_src_out[t] = weight[src_edges[t]]: the weights in by-source order
//   spmm_t_columns  spmm_t over f32 columns: the gradient as columns (grad_quads), the weights
//               and destinations in by-source order (weight_by_src, dst_by_src), and with
//               PARTIALS the input as columns (input_quads) and the parts at by-source position
//               t (edge_grad_parts with BY_SOURCE sums them into wgrad[src_edges[t]])
// ACCUMULATE adds what out holds (levels fed by several blocks): in spmm before FINISH 1 (bias +
// activation), in spmm_t after FINISH 2 (× the activation derivative at the source level's
// activations, which distributes over the blocks' sum, so each block multiplies its own part);
// ACT as in activation.wgsl.
// ACTIVE_ONLY (spmm_t): the grid's y walks the active sources, those with at least one edge in the
// block, instead of all sources: an accumulating block adds nothing to the others, and a small
// block out of a wide level (17 edges out of 344 neurons) then costs 17 neurons' work, not 344.
// INPUT_COLUMNS (spmm, edge_grad): the input is a batch of u8 values held as byte columns
// (input_columns): source j's column is column_words words, word p holding rows 4p..4p+3 (low
// byte first), byte b standing for b · scale (bit for bit what the f32 gather stores); bytes of
// the batch's rows past its last are 0 in the words the gather writes (whole 16-row groups;
// spmm reads whole 32-row groups, and drops the rows past the batch). One load then brings 4
// rows of an edge's source where the batch-major input costs one load a row: a software adapter
// pays per load, lane by lane, so the forward of a CSR block out of MNIST's pixels loads about a
// fifth as much (an edge's index, weight and 8 words for 32 rows, not 32 values; 32 rows a lane
// rather than 16: the reference run's 784→344 forward 1.9 → 1.7 ms; the 8 words as two vec4s
// of input_words: 13–20% less again), edge_grad's weight gradient about a third (its chunk's
// edges read different columns, so it loads word by word: a vec4 of each edge's next 4 words was
// 5% slower), edge_grad_parts32's as spmm. The sums are taken in the order of the f32 input, so
// both give the same bits.
// F32_COLUMNS (spmm): the input as f32 columns (input_quads, which to_columns writes): source j's
// column is column_words vec4s (a multiple of 8), quad p holding rows 4p..4p+3, 0 past the
// batch. A lane takes 32 rows and loads an edge's as 8 vec4s, where the batch-major input costs
// a scalar load a row, each a gather on a software adapter; spmm_t_columns does the same with
// the gradient (leaving its parts per 16 rows, as spmm_t does), and reads the weights and
// destinations in by-source order, one load each where spmm_t loads the edge id first. Both sum
// in the order of the batch-major forms: the same bits. A block big enough pays for the
// transpositions (the 10%-dense 784→344 level of `npm run bench`: about 1.25x as fast as over
// rows, the transpositions included); the workspace decides which (COLUMNS_FROM_EDGES_PER_VALUE
// in workspace.ts).
// GROUP 4 (spmm over columns, edge_grad_parts32): every 4 consecutive destinations have the
// same sources in the same order (a locally connected layer's filters at one window position;
// sharedSourceGroup in csr.ts finds them), and one invocation takes the four: each source's rows
// are loaded and unpacked once for all of them, where one destination an invocation does it for
// each (unpacking bytes costs more than the products here). Each destination's sums take its
// edges in the same order: the same bits. spmm then takes 16 rows an invocation (64 sums in
// registers), edge_grad_parts32 keeps its 32-row parts. MNIST from a 6×6/2, 4-filter local
// layer (784 → 576, 20,736 edges): spmm 4.9 → 3.1 ms, edge_grad_parts32 3.0–3.7 → 2.0 ms, an
// epoch 2.2–2.45 → 1.54–1.61 s. By source the same (spmm_t_columns, not with ACTIVE_ONLY):
// every 4 consecutive sources with the same destinations in the same order (the channels of one
// pixel of a local layer's input image; sharedDestinationGroup) take one invocation of 16 rows,
// each destination's gradient rows loaded once for the four, each edge's part that of the
// invocation's 16 rows. A second local layer over the first's 13×13×4 (--local 4,2,4 --local
// 3,2,8): spmm_t_columns 6.3 → 2.5 ms, the step 14.8 → 10.8 ms.
// BYTE_FACTOR (with INPUT_COLUMNS): every byte's value times this float (input dropout's
// 1 / (1 − rate), the dropped bytes zeroed by the gather; dense.wgsl has the same); 1, no
// multiplication, in every pipeline without input dropout.
// UNORM (with INPUT_COLUMNS, where scale is f32(1/255)): bytes unpacked by unpack4x8unorm,
// which costs SwiftShader about half what shifts and masks do (the MNIST reference run's
// 784→344 forward: 2.0 ms against 2.5; 1.4 unpacking nothing; 2.7 over f32 rows); it computes
// b ÷ 255 as b · f32(1/255) there, bit for bit the f32 gather's value (another adapter may
// round b ÷ 255 the other way by an ulp).
//
// Bindings (group 0):
//   @binding(0)  params     : uniform Params { rows, dst, src, edges, chunks, active_count,
//                                            column_words, scale }  (the last two: INPUT_COLUMNS)
//   @binding(1)  dst_ptr    : storage, read u32  dst + 1           (spmm)
//   @binding(2)  src_of     : storage, read u32  edges             (spmm, edge_grad)
//   @binding(3)  weight     : storage, read      edges             (spmm, spmm_t)
//   @binding(4)  input      : storage, read      rows × src        (spmm, edge_grad; spmm_t with PARTIALS, and
//                                spmm_t and spmm_t_columns with FINISH 2: the source level's activations)
//   @binding(5)  bias       : storage, read      dst               (spmm, FINISH 1)
//   @binding(6)  out        : storage, rw        rows × dst (spmm) or rows × src (spmm_t)
//   @binding(7)  src_ranges : storage, read u32  (spmm_t, spmm_t_columns) src + 1 offsets, source j's
//                                edges at src_edges[src_ranges[j]..src_ranges[j + 1]) (the block's src_ptr);
//                                with ACTIVE_ONLY a (j, first, end) triple for each active source
//   @binding(8)  src_edges  : storage, read u32  edges             (spmm_t)
//   @binding(9)  dst_of     : storage, read u32  edges             (spmm_t, edge_grad)
//   @binding(11) grad       : storage, read      rows × dst        (spmm_t, edge_grad)
//   @binding(12) wgrad      : storage, rw        edges             (edge_grad)
//   @binding(14) chunks     : storage, read u32  2 × chunks        (edge_grad)
//   @binding(16) input_columns : storage, read u32  src × column_words (spmm, edge_grad with
//                                INPUT_COLUMNS; column_words ≥ 8·ceil(rows / 32))
//   @binding(17) partials   : storage, rw        edges × ceil(rows / PART_ROWS) (spmm_t with
//                                PARTIALS and edge_grad_parts32 write, edge_grad_parts reads)
//   @binding(18) input_quads : storage, read vec4  src × column_words (spmm with F32_COLUMNS,
//                                spmm_t_columns with PARTIALS)
//   @binding(19) grad_quads  : storage, read vec4  dst × column_words (spmm_t_columns)
//   @binding(20) weight_by_src : storage, read     edges             (spmm_t_columns)
//   @binding(21) dst_by_src  : storage, read u32   edges             (spmm_t_columns)
//   @binding(22) quads       : storage, rw vec4    src × column_words (to_columns writes)
//   @binding(23) weight_by_src_out : storage, rw   edges             (weights_by_source writes)
//   @binding(24) input_words : storage, read vec4<u32>  the byte columns of binding 16 as vec4s
//                                (spmm with INPUT_COLUMNS: an edge's 32 rows in two loads)
//   An entry point binds at most 8 storage buffers (WebGPU's default maxStorageBuffersPerShaderStage):
//   hence the activations in `input` for both the weight gradient's parts and act', and the
//   active sources' triples in src_ranges' place rather than a list beside it.
//
// Dispatch: spmm / spmm_t: workgroup 8×8; invocation x takes 16 batch rows and y one neuron
//   (its edge list: uniform loop bounds across x); grid (ceil(rows / 128), ceil(neurons / 8), 1)
//   (for spmm_t with ACTIVE_ONLY, neurons = the active sources). Past 65,535 workgroups
//   along y (524,280 neurons) the rows of the grid go on along z: grid (x, ceil(lanes / z), z),
//   z = ceil(lanes / 65,535), and an invocation's row is id.y + id.z · 8 · grid.y (fn lane).
//   spmm over columns (INPUT_COLUMNS, F32_COLUMNS) and spmm_t_columns: the same with 32 rows an
//   invocation, grid (ceil(rows / 256), ceil(neurons / 8), 1); edge_grad_parts32 likewise (y a
//   destination neuron). With GROUP 4, y a group of 4 destinations: grid (ceil(rows / 128),
//   ceil(dst / 32), 1) for spmm (16 rows an invocation), (ceil(rows / 256), ceil(dst / 32), 1)
//   for edge_grad_parts32, and y a group of 4 sources in spmm_t_columns: (ceil(rows / 128),
//   ceil(src / 32), 1). to_columns: workgroup 64, x a
//   column (< src), y a quad; grid (ceil(src / 64), column_words, 1). weights_by_source:
//   workgroup 64, one invocation per edge.
//   edge_grad: workgroup 64, one invocation per chunk (chunks listed by falling edge count),
//   grid (x, y, 1) with x·y·64 ≥ chunks. edge_grad_parts: workgroup 64, one invocation per
//   edge, grid (x, y, 1) with x·y·64 ≥ edges.

override ACCUMULATE: bool = false;
override FINISH: u32 = 0u;
override ACT: u32 = 0u;
override ACTIVE_ONLY: bool = false;
override INPUT_COLUMNS: bool = false;
override UNORM: bool = false;
override BYTE_FACTOR: f32 = 1.0;
override PARTIALS: bool = false;
override F32_COLUMNS: bool = false;
override BY_SOURCE: bool = false;
override PART_ROWS: u32 = 16u;
override GROUP: u32 = 1u;

const ROWS: u32 = 16u; // batch rows per invocation of spmm and spmm_t
const COLUMN_ROWS: u32 = 32u; // batch rows per invocation of spmm over columns (INPUT_COLUMNS, F32_COLUMNS) and spmm_t_columns
const GROUP_ROWS: u32 = 16u; // batch rows per invocation of spmm over columns with GROUP 4

struct Params {
  rows: u32,
  dst: u32,
  src: u32,
  edges: u32,
  chunks: u32,
  active_count: u32, // sources with edges (src_ranges' triples with ACTIVE_ONLY)
  column_words: u32, // INPUT_COLUMNS: words of a source's byte column; f32 columns: its vec4s
  scale: f32,        // INPUT_COLUMNS: the value of a byte b is b · scale
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dst_ptr: array<u32>;
@group(0) @binding(2) var<storage, read> src_of: array<u32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> input: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<storage, read> src_ranges: array<u32>;
@group(0) @binding(8) var<storage, read> src_edges: array<u32>;
@group(0) @binding(9) var<storage, read> dst_of: array<u32>;
@group(0) @binding(11) var<storage, read> grad: array<f32>;
@group(0) @binding(12) var<storage, read_write> wgrad: array<f32>;
@group(0) @binding(14) var<storage, read> chunks: array<u32>;
@group(0) @binding(16) var<storage, read> input_columns: array<u32>;
@group(0) @binding(17) var<storage, read_write> partials: array<f32>;
@group(0) @binding(18) var<storage, read> input_quads: array<vec4<f32>>;
@group(0) @binding(19) var<storage, read> grad_quads: array<vec4<f32>>;
@group(0) @binding(20) var<storage, read> weight_by_src: array<f32>;
@group(0) @binding(21) var<storage, read> dst_by_src: array<u32>;
@group(0) @binding(22) var<storage, read_write> quads: array<vec4<f32>>;
@group(0) @binding(23) var<storage, read_write> weight_by_src_out: array<f32>;
@group(0) @binding(24) var<storage, read> input_words: array<vec4<u32>>;

// Offsets of the 4 batch rows r0..r0+3 in a rows × width array (clamped: rows past the batch
// repeat the last one and are never stored).
fn row_offsets(r0: u32, width: u32) -> vec4<u32> {
  return min(vec4<u32>(r0, r0 + 1u, r0 + 2u, r0 + 3u), vec4<u32>(params.rows - 1u)) * width;
}

// input[at + j] of the 4 rows at offsets `at`.
fn input4(at: vec4<u32>, j: u32) -> vec4<f32> {
  return vec4<f32>(input[at.x + j], input[at.y + j], input[at.z + j], input[at.w + j]);
}

// The 4 rows of a byte-column word as values, low byte (the first row) first.
fn column_rows(word: u32) -> vec4<f32> {
  var v: vec4<f32>;
  if (UNORM) {
    v = unpack4x8unorm(word);
  } else {
    v = vec4<f32>(vec4<i32>(vec4<u32>(word, word >> 8u, word >> 16u, word >> 24u) & vec4<u32>(255u))) * params.scale;
  }
  if (BYTE_FACTOR == 1.0) { return v; }
  return v * BYTE_FACTOR;
}

// grad[at + i] of the 4 rows at offsets `at`.
fn grad4(at: vec4<u32>, i: u32) -> vec4<f32> {
  return vec4<f32>(grad[at.x + i], grad[at.y + i], grad[at.z + i], grad[at.w + i]);
}

// 16 rows an invocation: a software adapter gathers every load lane by lane, an edge's weight
// and index included, so each edge's two loads are shared by 16 rows' products (the MNIST
// reference run's 784→344 block, 1,180 edges: 1.4 → 1.05 ms a step; 8 rows before).
@compute @workgroup_size(8, 8, 1)
fn spmm(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>) {
  let i = lane(id, grid);
  if (GROUP == 4u) {
    let r0 = id.x * GROUP_ROWS;
    if (r0 < params.rows && i * 4u < params.dst) { spmm_columns_group4(r0, i * 4u); }
    return;
  }
  if (INPUT_COLUMNS || F32_COLUMNS) {
    let r0 = id.x * COLUMN_ROWS;
    if (r0 < params.rows && i < params.dst) { spmm_columns(r0, i); }
    return;
  }
  let r0 = id.x * ROWS;
  if (r0 >= params.rows || i >= params.dst) { return; }
  let q0 = row_offsets(r0, params.src);
  let q1 = row_offsets(r0 + 4u, params.src);
  let q2 = row_offsets(r0 + 8u, params.src);
  let q3 = row_offsets(r0 + 12u, params.src);
  var s0 = vec4<f32>(0.0); var s1 = vec4<f32>(0.0); var s2 = vec4<f32>(0.0); var s3 = vec4<f32>(0.0);
  let end = dst_ptr[i + 1u];
  for (var e = dst_ptr[i]; e < end; e = e + 1u) {
    let w = vec4<f32>(weight[e]);
    let j = src_of[e];
    s0 = fma(w, input4(q0, j), s0);
    s1 = fma(w, input4(q1, j), s1);
    s2 = fma(w, input4(q2, j), s2);
    s3 = fma(w, input4(q3, j), s3);
  }
  spmm_store16(r0, i, s0, s1, s2, s3);
}

// spmm over byte or f32 columns, 32 rows from r0 (< rows): an edge's 8 quads from quad r0 / 4
// of its source's column.
fn spmm_columns(r0: u32, i: u32) {
  let p = r0 / 4u;
  var s0 = vec4<f32>(0.0); var s1 = vec4<f32>(0.0); var s2 = vec4<f32>(0.0); var s3 = vec4<f32>(0.0);
  var s4 = vec4<f32>(0.0); var s5 = vec4<f32>(0.0); var s6 = vec4<f32>(0.0); var s7 = vec4<f32>(0.0);
  let end = dst_ptr[i + 1u];
  for (var e = dst_ptr[i]; e < end; e = e + 1u) {
    let w = vec4<f32>(weight[e]);
    let x = column_rows32(src_of[e] * params.column_words + p);
    s0 = fma(w, x.q0, s0);
    s1 = fma(w, x.q1, s1);
    s2 = fma(w, x.q2, s2);
    s3 = fma(w, x.q3, s3);
    s4 = fma(w, x.q4, s4);
    s5 = fma(w, x.q5, s5);
    s6 = fma(w, x.q6, s6);
    s7 = fma(w, x.q7, s7);
  }
  spmm_store16(r0, i, s0, s1, s2, s3);
  spmm_store16(r0 + 16u, i, s4, s5, s6, s7);
}

// spmm over columns for destinations i0..i0+3 whose edge lists hold the same sources in the
// same order (GROUP 4), 16 rows from r0: each source's rows are loaded and unpacked once for
// the four, where spmm_columns does it once a destination. Each destination's sum takes its
// edges in the same order as there: the same bits.
fn spmm_columns_group4(r0: u32, i0: u32) {
  let p = r0 / 4u;
  let e0 = dst_ptr[i0];
  let e1 = dst_ptr[i0 + 1u];
  let e2 = dst_ptr[i0 + 2u];
  let e3 = dst_ptr[i0 + 3u];
  var a = ZERO16; var b = ZERO16; var c = ZERO16; var d = ZERO16;
  for (var k = 0u; k < e1 - e0; k = k + 1u) {
    let x = column_rows16(src_of[e0 + k] * params.column_words + p);
    a = fma16(weight[e0 + k], x, a);
    b = fma16(weight[e1 + k], x, b);
    c = fma16(weight[e2 + k], x, c);
    d = fma16(weight[e3 + k], x, d);
  }
  spmm_store16(r0, i0, a.q0, a.q1, a.q2, a.q3);
  spmm_store16(r0, i0 + 1u, b.q0, b.q1, b.q2, b.q3);
  spmm_store16(r0, i0 + 2u, c.q0, c.q1, c.q2, c.q3);
  spmm_store16(r0, i0 + 3u, d.q0, d.q1, d.q2, d.q3);
}

// 16 rows of a column, 4 rows a vector.
struct Rows16 {
  q0: vec4<f32>, q1: vec4<f32>, q2: vec4<f32>, q3: vec4<f32>,
}

const ZERO16 = Rows16(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));

// acc + w · x over 16 rows, one fma a quad (the grouped kernels' sums).
fn fma16(w: f32, x: Rows16, acc: Rows16) -> Rows16 {
  let v = vec4<f32>(w);
  return Rows16(fma(v, x.q0, acc.q0), fma(v, x.q1, acc.q1), fma(v, x.q2, acc.q2), fma(v, x.q3, acc.q3));
}

// Quads at..at+3 of spmm's input columns (at a multiple of 4) as 16 rows' values: a byte
// column's 4 words in one vec4 load (INPUT_COLUMNS), or an f32 column's 4 vec4s.
fn column_rows16(at: u32) -> Rows16 {
  if (INPUT_COLUMNS) {
    let w = input_words[at / 4u];
    return Rows16(column_rows(w.x), column_rows(w.y), column_rows(w.z), column_rows(w.w));
  }
  return Rows16(input_quads[at], input_quads[at + 1u], input_quads[at + 2u], input_quads[at + 3u]);
}

// 32 rows of a column, 4 rows a vector.
struct Rows32 {
  q0: vec4<f32>, q1: vec4<f32>, q2: vec4<f32>, q3: vec4<f32>,
  q4: vec4<f32>, q5: vec4<f32>, q6: vec4<f32>, q7: vec4<f32>,
}

// Quads at..at+7 of spmm's input columns (at a multiple of 8) as 32 rows' values: a byte
// column's 8 words in two vec4 loads (INPUT_COLUMNS; a software adapter pays per load, and the
// reference run's 784→344 forward took 13–20% less than with a load a word), or an f32
// column's 8 vec4s (F32_COLUMNS).
fn column_rows32(at: u32) -> Rows32 {
  if (INPUT_COLUMNS) {
    let lo = input_words[at / 4u];
    let hi = input_words[at / 4u + 1u];
    return Rows32(column_rows(lo.x), column_rows(lo.y), column_rows(lo.z), column_rows(lo.w),
                  column_rows(hi.x), column_rows(hi.y), column_rows(hi.z), column_rows(hi.w));
  }
  return Rows32(input_quads[at], input_quads[at + 1u], input_quads[at + 2u], input_quads[at + 3u],
                input_quads[at + 4u], input_quads[at + 5u], input_quads[at + 6u], input_quads[at + 7u]);
}

// Rows r0..r0+15 of out[·, i] from spmm's sums (s0: rows r0..r0+3, ...), with the bias when FINISH 1.
fn spmm_store16(r0: u32, i: u32, s0: vec4<f32>, s1: vec4<f32>, s2: vec4<f32>, s3: vec4<f32>) {
  var b = 0.0;
  if (FINISH == 1u) { b = bias[i]; }
  spmm_store4(r0, i, s0, b);
  spmm_store4(r0 + 4u, i, s1, b);
  spmm_store4(r0 + 8u, i, s2, b);
  spmm_store4(r0 + 12u, i, s3, b);
}

// Rows r0..r0+3 of out[·, i] from spmm's sums, one by one with constant component indices (a
// loop indexed the vector dynamically), the bias loaded once by the caller.
fn spmm_store4(r0: u32, i: u32, sums: vec4<f32>, b: f32) {
  spmm_store(r0, i, sums.x, b);
  spmm_store(r0 + 1u, i, sums.y, b);
  spmm_store(r0 + 2u, i, sums.z, b);
  spmm_store(r0 + 3u, i, sums.w, b);
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

// The grid row (a neuron, a group of 4, or an active source's index) of an 8×8 lane's invocation:
// y, continued along z where a level needs more than the 65,535 workgroups a dimension allows.
fn lane(id: vec3<u32>, grid: vec3<u32>) -> u32 {
  return id.y + id.z * grid.y * 8u;
}

// The source that grid row y takes in spmm_t and spmm_t_columns: y, or with ACTIVE_ONLY the y-th
// active source; src (no source) past them.
fn source_at(y: u32) -> u32 {
  if (ACTIVE_ONLY) {
    if (y >= params.active_count) { return params.src; }
    return src_ranges[3u * y];
  }
  return y;
}

// The by-source positions [first, end) of the edges of source j, grid row y's (see source_at).
fn edge_range(y: u32, j: u32) -> vec2<u32> {
  if (ACTIVE_ONLY) { return vec2<u32>(src_ranges[3u * y + 1u], src_ranges[3u * y + 2u]); }
  return vec2<u32>(src_ranges[j], src_ranges[j + 1u]);
}

@compute @workgroup_size(8, 8, 1)
fn spmm_t(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>) {
  let r0 = id.x * ROWS;
  if (r0 >= params.rows) { return; }
  let y = lane(id, grid);
  let j = source_at(y);
  if (j >= params.src) { return; }
  let q0 = row_offsets(r0, params.dst);
  let q1 = row_offsets(r0 + 4u, params.dst);
  let q2 = row_offsets(r0 + 8u, params.dst);
  let q3 = row_offsets(r0 + 12u, params.dst);
  var s0 = vec4<f32>(0.0); var s1 = vec4<f32>(0.0); var s2 = vec4<f32>(0.0); var s3 = vec4<f32>(0.0);
  // PARTIALS: the source's input at the 16 rows (0 past the batch), for its edges' parts.
  var x0 = vec4<f32>(0.0); var x1 = vec4<f32>(0.0); var x2 = vec4<f32>(0.0); var x3 = vec4<f32>(0.0);
  if (PARTIALS) {
    x0 = batch_only(r0, input4(row_offsets(r0, params.src), j));
    x1 = batch_only(r0 + 4u, input4(row_offsets(r0 + 4u, params.src), j));
    x2 = batch_only(r0 + 8u, input4(row_offsets(r0 + 8u, params.src), j));
    x3 = batch_only(r0 + 12u, input4(row_offsets(r0 + 12u, params.src), j));
  }
  let parts = part_count();
  let range = edge_range(y, j);
  for (var s = range.x; s < range.y; s = s + 1u) {
    let e = src_edges[s];
    let w = vec4<f32>(weight[e]);
    let i = dst_of[e];
    let g0 = grad4(q0, i);
    let g1 = grad4(q1, i);
    let g2 = grad4(q2, i);
    let g3 = grad4(q3, i);
    s0 = fma(w, g0, s0);
    s1 = fma(w, g1, s1);
    s2 = fma(w, g2, s2);
    s3 = fma(w, g3, s3);
    if (PARTIALS) {
      let p = fma(g3, x3, fma(g2, x2, fma(g1, x1, g0 * x0)));
      partials[e * parts + id.x] = (p.x + p.y) + (p.z + p.w);
    }
  }
  spmm_t_store16(r0, j, s0, s1, s2, s3);
}

// How many groups of 16 rows, each an spmm_t invocation's, the batch has: an edge's parts in `partials`.
fn part_count() -> u32 { return (params.rows + PART_ROWS - 1u) / PART_ROWS; }

// v, the values of the 4 rows from r0, with those past the batch set to 0.
fn batch_only(r0: u32, v: vec4<f32>) -> vec4<f32> {
  return select(vec4<f32>(0.0), v, vec4<u32>(r0, r0 + 1u, r0 + 2u, r0 + 3u) < vec4<u32>(params.rows));
}

fn spmm_t_store16(r0: u32, j: u32, s0: vec4<f32>, s1: vec4<f32>, s2: vec4<f32>, s3: vec4<f32>) {
  spmm_t_store4(r0, j, s0);
  spmm_t_store4(r0 + 4u, j, s1);
  spmm_t_store4(r0 + 8u, j, s2);
  spmm_t_store4(r0 + 12u, j, s3);
}

fn spmm_t_store4(r0: u32, j: u32, sums: vec4<f32>) {
  spmm_t_store(r0, j, sums.x);
  spmm_t_store(r0 + 1u, j, sums.y);
  spmm_t_store(r0 + 2u, j, sums.z);
  spmm_t_store(r0 + 3u, j, sums.w);
}

// out[r, j] of spmm_t: the sum times act'(input) when FINISH 2, plus what out holds when
// ACCUMULATE; rows past the batch are not stored.
fn spmm_t_store(r: u32, j: u32, value: f32) {
  if (r >= params.rows) { return; }
  let at = r * params.src + j;
  var sum = value;
  if (FINISH == 2u) { sum = sum * activate_grad(input[at]); } // input holds the source level's activations
  if (ACCUMULATE) { sum = sum + out[at]; }
  out[at] = sum;
}

@compute @workgroup_size(8, 8, 1)
fn spmm_t_columns(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>) {
  let y = lane(id, grid);
  if (GROUP == 4u) {
    let r0 = id.x * GROUP_ROWS;
    if (r0 < params.rows && y * 4u < params.src) { spmm_t_columns_group4(r0, y * 4u, id.x); }
    return;
  }
  let r0 = id.x * COLUMN_ROWS;
  if (r0 >= params.rows) { return; }
  let j = source_at(y);
  if (j >= params.src) { return; }
  let p = r0 / 4u;
  var s0 = vec4<f32>(0.0); var s1 = vec4<f32>(0.0); var s2 = vec4<f32>(0.0); var s3 = vec4<f32>(0.0);
  var s4 = vec4<f32>(0.0); var s5 = vec4<f32>(0.0); var s6 = vec4<f32>(0.0); var s7 = vec4<f32>(0.0);
  var x0 = vec4<f32>(0.0); var x1 = vec4<f32>(0.0); var x2 = vec4<f32>(0.0); var x3 = vec4<f32>(0.0);
  var x4 = vec4<f32>(0.0); var x5 = vec4<f32>(0.0); var x6 = vec4<f32>(0.0); var x7 = vec4<f32>(0.0);
  if (PARTIALS) {
    let at = j * params.column_words + p;
    x0 = input_quads[at]; x1 = input_quads[at + 1u]; x2 = input_quads[at + 2u]; x3 = input_quads[at + 3u];
    x4 = input_quads[at + 4u]; x5 = input_quads[at + 5u]; x6 = input_quads[at + 6u]; x7 = input_quads[at + 7u];
  }
  let parts = part_count();
  // The second 16 rows' part, where the batch has them.
  let second = r0 + ROWS < params.rows;
  let part = 2u * id.x;
  let range = edge_range(y, j);
  for (var t = range.x; t < range.y; t = t + 1u) {
    let w = vec4<f32>(weight_by_src[t]);
    let at = dst_by_src[t] * params.column_words + p;
    let g0 = grad_quads[at];
    let g1 = grad_quads[at + 1u];
    let g2 = grad_quads[at + 2u];
    let g3 = grad_quads[at + 3u];
    let g4 = grad_quads[at + 4u];
    let g5 = grad_quads[at + 5u];
    let g6 = grad_quads[at + 6u];
    let g7 = grad_quads[at + 7u];
    s0 = fma(w, g0, s0);
    s1 = fma(w, g1, s1);
    s2 = fma(w, g2, s2);
    s3 = fma(w, g3, s3);
    s4 = fma(w, g4, s4);
    s5 = fma(w, g5, s5);
    s6 = fma(w, g6, s6);
    s7 = fma(w, g7, s7);
    if (PARTIALS) {
      let q = fma(g3, x3, fma(g2, x2, fma(g1, x1, g0 * x0)));
      partials[t * parts + part] = (q.x + q.y) + (q.z + q.w);
      if (second) {
        let u = fma(g7, x7, fma(g6, x6, fma(g5, x5, g4 * x4)));
        partials[t * parts + part + 1u] = (u.x + u.y) + (u.z + u.w);
      }
    }
  }
  spmm_t_store16(r0, j, s0, s1, s2, s3);
  spmm_t_store16(r0 + 16u, j, s4, s5, s6, s7);
}

// spmm_t_columns for sources j0..j0+3 whose out-edges go to the same destinations in the same
// order (GROUP 4: the channels of one pixel of a locally connected layer's input image; not with
// ACTIVE_ONLY), 16 rows from r0 (one part, `part`): each destination's gradient rows are loaded
// once for the four. Each source's sums and each edge's part are taken in spmm_t_columns' order:
// the same bits.
fn spmm_t_columns_group4(r0: u32, j0: u32, part: u32) {
  let p = r0 / 4u;
  var sa = ZERO16; var sb = ZERO16; var sc = ZERO16; var sd = ZERO16;
  var xa = ZERO16; var xb = ZERO16; var xc = ZERO16; var xd = ZERO16;
  if (PARTIALS) {
    xa = quads16(j0 * params.column_words + p);
    xb = quads16((j0 + 1u) * params.column_words + p);
    xc = quads16((j0 + 2u) * params.column_words + p);
    xd = quads16((j0 + 3u) * params.column_words + p);
  }
  let parts = part_count();
  let ta = src_ranges[j0];
  let tb = src_ranges[j0 + 1u];
  let tc = src_ranges[j0 + 2u];
  let td = src_ranges[j0 + 3u];
  for (var k = 0u; k < tb - ta; k = k + 1u) {
    let at = dst_by_src[ta + k] * params.column_words + p;
    let g = Rows16(grad_quads[at], grad_quads[at + 1u], grad_quads[at + 2u], grad_quads[at + 3u]);
    sa = fma16(weight_by_src[ta + k], g, sa);
    sb = fma16(weight_by_src[tb + k], g, sb);
    sc = fma16(weight_by_src[tc + k], g, sc);
    sd = fma16(weight_by_src[td + k], g, sd);
    if (PARTIALS) {
      partials[(ta + k) * parts + part] = part_sum16(g, xa);
      partials[(tb + k) * parts + part] = part_sum16(g, xb);
      partials[(tc + k) * parts + part] = part_sum16(g, xc);
      partials[(td + k) * parts + part] = part_sum16(g, xd);
    }
  }
  spmm_t_store16(r0, j0, sa.q0, sa.q1, sa.q2, sa.q3);
  spmm_t_store16(r0, j0 + 1u, sb.q0, sb.q1, sb.q2, sb.q3);
  spmm_t_store16(r0, j0 + 2u, sc.q0, sc.q1, sc.q2, sc.q3);
  spmm_t_store16(r0, j0 + 3u, sd.q0, sd.q1, sd.q2, sd.q3);
}

// f32 column quads at..at+3 (input_quads) as 16 rows.
fn quads16(at: u32) -> Rows16 {
  return Rows16(input_quads[at], input_quads[at + 1u], input_quads[at + 2u], input_quads[at + 3u]);
}

// Σ g · x over 16 rows, in spmm_t_columns' order for a part.
fn part_sum16(g: Rows16, x: Rows16) -> f32 {
  let q = fma(g.q3, x.q3, fma(g.q2, x.q2, fma(g.q1, x.q1, g.q0 * x.q0)));
  return (q.x + q.y) + (q.z + q.w);
}

@compute @workgroup_size(64, 1, 1)
fn to_columns(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  let p = id.y;
  if (j >= params.src || p >= params.column_words) { return; }
  let r = 4u * p;
  let at = row_offsets(r, params.src) + vec4<u32>(j);
  let v = vec4<f32>(input[at.x], input[at.y], input[at.z], input[at.w]);
  quads[j * params.column_words + p] = batch_only(r, v);
}

@compute @workgroup_size(64, 1, 1)
fn weights_by_source(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = id.x + id.y * groups.x * 64u;
  if (t >= params.edges) { return; }
  weight_by_src_out[t] = weight[src_edges[t]];
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
  if (INPUT_COLUMNS) {
    let sums = edge_grad_columns(i, count, j);
    low = sums[0];
    high = sums[1];
  } else {
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
  }
  for (var k = 0u; k < count; k = k + 1u) {
    wgrad[first + k] = select(high[k - 4u], low[k], k < 4u);
  }
}

@compute @workgroup_size(64, 1, 1)
fn edge_grad_parts(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let e = id.x + id.y * groups.x * 64u;
  if (e >= params.edges) { return; }
  let parts = part_count();
  var g = 0.0;
  for (var k = 0u; k < parts; k = k + 1u) { g = g + partials[e * parts + k]; }
  // BY_SOURCE: the parts of spmm_t_columns, at the edge's by-source position.
  if (BY_SOURCE) { wgrad[src_edges[e]] = g; } else { wgrad[e] = g; }
}

// The weight gradients of a CSR block out of the input level in parts, as spmm walks it: lane
// x takes 32 rows of neuron i's gradient (0 past the batch) and, for each edge into i, stores
// Σ grad · input over those rows at partials[e · parts + x] (parts = ceil(rows / 32));
// edge_grad_parts with PART_ROWS 32 sums them. Over byte columns (INPUT_COLUMNS) an edge's
// input is two vec4 loads of words, its index one more, the gradient's 32 loads shared by the
// neuron's edges: about 9 loads an edge and 32 rows, where edge_grad's chunks load 12–15 (the
// reference run's 784→344 block: 1.9 → 1.3 ms a step). Over batch-major f32 rows it loads 32
// values an edge, but sums in the same order, so u8 and f32 inputs train alike to the bit. Not
// edge_grad's bits: it sums the 32-row parts, then the parts.
@compute @workgroup_size(8, 8, 1)
fn edge_grad_parts32(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>) {
  let r0 = id.x * COLUMN_ROWS;
  let i = lane(id, grid);
  if (GROUP == 4u) {
    if (r0 < params.rows && i * 4u < params.dst) { edge_grad_parts32_group4(r0, i * 4u, id.x); }
    return;
  }
  if (r0 >= params.rows || i >= params.dst) { return; }
  let g = Rows32(grad_rows(r0, i), grad_rows(r0 + 4u, i), grad_rows(r0 + 8u, i), grad_rows(r0 + 12u, i),
                 grad_rows(r0 + 16u, i), grad_rows(r0 + 20u, i), grad_rows(r0 + 24u, i), grad_rows(r0 + 28u, i));
  let parts = part_count();
  let end = dst_ptr[i + 1u];
  for (var e = dst_ptr[i]; e < end; e = e + 1u) {
    partials[e * parts + id.x] = part_sum32(g, input_rows32(src_of[e], r0));
  }
}

// edge_grad_parts32 for destinations i0..i0+3 that share their sources (GROUP 4): each source's
// 32 rows loaded and unpacked once for the four; each part summed as there, the same bits.
fn edge_grad_parts32_group4(r0: u32, i0: u32, part: u32) {
  let ga = Rows32(grad_rows(r0, i0), grad_rows(r0 + 4u, i0), grad_rows(r0 + 8u, i0), grad_rows(r0 + 12u, i0),
                  grad_rows(r0 + 16u, i0), grad_rows(r0 + 20u, i0), grad_rows(r0 + 24u, i0), grad_rows(r0 + 28u, i0));
  let i1 = i0 + 1u;
  let gb = Rows32(grad_rows(r0, i1), grad_rows(r0 + 4u, i1), grad_rows(r0 + 8u, i1), grad_rows(r0 + 12u, i1),
                  grad_rows(r0 + 16u, i1), grad_rows(r0 + 20u, i1), grad_rows(r0 + 24u, i1), grad_rows(r0 + 28u, i1));
  let i2 = i0 + 2u;
  let gc = Rows32(grad_rows(r0, i2), grad_rows(r0 + 4u, i2), grad_rows(r0 + 8u, i2), grad_rows(r0 + 12u, i2),
                  grad_rows(r0 + 16u, i2), grad_rows(r0 + 20u, i2), grad_rows(r0 + 24u, i2), grad_rows(r0 + 28u, i2));
  let i3 = i0 + 3u;
  let gd = Rows32(grad_rows(r0, i3), grad_rows(r0 + 4u, i3), grad_rows(r0 + 8u, i3), grad_rows(r0 + 12u, i3),
                  grad_rows(r0 + 16u, i3), grad_rows(r0 + 20u, i3), grad_rows(r0 + 24u, i3), grad_rows(r0 + 28u, i3));
  let parts = part_count();
  let e0 = dst_ptr[i0];
  let e1 = dst_ptr[i1];
  let e2 = dst_ptr[i2];
  let e3 = dst_ptr[i3];
  for (var k = 0u; k < e1 - e0; k = k + 1u) {
    let x = input_rows32(src_of[e0 + k], r0);
    partials[(e0 + k) * parts + part] = part_sum32(ga, x);
    partials[(e1 + k) * parts + part] = part_sum32(gb, x);
    partials[(e2 + k) * parts + part] = part_sum32(gc, x);
    partials[(e3 + k) * parts + part] = part_sum32(gd, x);
  }
}

// Σ g · x over 32 rows, in edge_grad_parts32's order.
fn part_sum32(g: Rows32, x: Rows32) -> f32 {
  let a = fma(g.q3, x.q3, fma(g.q2, x.q2, fma(g.q1, x.q1, g.q0 * x.q0)));
  let b = fma(g.q7, x.q7, fma(g.q6, x.q6, fma(g.q5, x.q5, g.q4 * x.q4)));
  let sum = a + b;
  return (sum.x + sum.y) + (sum.z + sum.w);
}

// Source j's input at the 32 rows from r0: from its byte column (INPUT_COLUMNS), else from the
// batch-major f32 rows (clamped into the batch; those rows' gradients are 0).
fn input_rows32(j: u32, r0: u32) -> Rows32 {
  if (INPUT_COLUMNS) { return column_rows32(j * params.column_words + r0 / 4u); }
  return Rows32(input4(row_offsets(r0, params.src), j), input4(row_offsets(r0 + 4u, params.src), j),
                input4(row_offsets(r0 + 8u, params.src), j), input4(row_offsets(r0 + 12u, params.src), j),
                input4(row_offsets(r0 + 16u, params.src), j), input4(row_offsets(r0 + 20u, params.src), j),
                input4(row_offsets(r0 + 24u, params.src), j), input4(row_offsets(r0 + 28u, params.src), j));
}

// grad[·, i] at the 4 rows from r, 0 past the batch (whatever the input holds there).
fn grad_rows(r: u32, i: u32) -> vec4<f32> {
  return batch_only(r, grad4(row_offsets(r, params.dst), i));
}

// edge_grad's sums for a chunk of `count` edges into neuron i from sources j (clamped repeats
// past count) over byte columns: per 4 rows, each edge's one word and the 4 rows' gradients,
// then the rows one by one in the order of the f32 branches (low: edges 0–3, high: 4–7).
fn edge_grad_columns(i: u32, count: u32, j: array<u32, 8>) -> array<vec4<f32>, 2> {
  var low = vec4<f32>(0.0);
  var high = vec4<f32>(0.0);
  let last = params.rows - 1u;
  let quads = (params.rows + 3u) / 4u;
  // Where the edges' columns start: edges 0–3 and 4–7.
  let low_at = vec4<u32>(j[0], j[1], j[2], j[3]) * params.column_words;
  let high_at = vec4<u32>(j[4], j[5], j[6], j[7]) * params.column_words;
  for (var p = 0u; p < quads; p = p + 1u) {
    // Rows past the batch (in the last word) have byte 0: their clamped gradient adds 0.
    let r = 4u * p;
    let d = vec4<f32>(grad[min(r, last) * params.dst + i], grad[min(r + 1u, last) * params.dst + i],
                      grad[min(r + 2u, last) * params.dst + i], grad[min(r + 3u, last) * params.dst + i]);
    if (count == 1u) {
      let x = column_rows(input_columns[low_at.x + p]);
      low.x = fma(d.x, x.x, low.x);
      low.x = fma(d.y, x.y, low.x);
      low.x = fma(d.z, x.z, low.x);
      low.x = fma(d.w, x.w, low.x);
    } else {
      low = add_column_rows(low, d, low_at + p);
      if (count > 4u) { high = add_column_rows(high, d, high_at + p); }
    }
  }
  return array<vec4<f32>, 2>(low, high);
}

// acc plus 4 rows' products, row by row: d holds the rows' gradients, words the 4 edges' words
// (their sources' columns at those rows); component k of acc sums edge k's.
fn add_column_rows(acc: vec4<f32>, d: vec4<f32>, words: vec4<u32>) -> vec4<f32> {
  let x0 = column_rows(input_columns[words.x]);
  let x1 = column_rows(input_columns[words.y]);
  let x2 = column_rows(input_columns[words.z]);
  let x3 = column_rows(input_columns[words.w]);
  var sum = fma(vec4<f32>(d.x), vec4<f32>(x0.x, x1.x, x2.x, x3.x), acc);
  sum = fma(vec4<f32>(d.y), vec4<f32>(x0.y, x1.y, x2.y, x3.y), sum);
  sum = fma(vec4<f32>(d.z), vec4<f32>(x0.z, x1.z, x2.z, x3.z), sum);
  return fma(vec4<f32>(d.w), vec4<f32>(x0.w, x1.w, x2.w, x3.w), sum);
}
