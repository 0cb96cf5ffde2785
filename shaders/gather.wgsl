// gather.wgsl — assemble a batch from a dataset held on the GPU, in a shuffled order.
//
// The dataset is uploaded once; each epoch uploads only a permutation of row indices, and
// each step gathers `rows` rows starting at position `start` of that permutation. This is
// how shuffling and batching run without per-step uploads.
//
// Entry points:
//   gather_u8   source rows of `features` bytes packed 4 per u32 (row stride `row_words`
//               words); out = byte · scale (MNIST pixels with scale 1/255)
//   gather_u8_vec4  the same where `features` is a multiple of 4: each word's 4 values are
//               stored as one vec4 (out4), which makes the MNIST batch gather ~25% cheaper
//               on a software adapter than 4 scalar stores
//   gather_u8_x16  the same where `features` is a multiple of 16: one invocation per 16 bytes
//               (a vec4<u32> load, 4 vec4 stores), across the whole batch rather than a
//               workgroup per row: an MNIST batch 0.42–0.47 ms against 0.76 for gather_u8_vec4
//               (SwiftShader, Node), whose 196-word rows leave most lanes idle in a 4th pass
//   gather_words_x4  u8 rows copied as they are, packed: row_words words a row, 4 words an
//               invocation (row_words a multiple of 4); the dense products of blocks out of the
//               input level unpack the bytes themselves (dense.wgsl LHS_U8), so the batch is a
//               quarter of the stores and those products' loads of it a quarter too.
//               (gather_u32 with features = row_words copies other widths, a word an invocation.)
//   gather_columns  u8 source rows as the batch's byte columns (sparse.wgsl INPUT_COLUMNS):
//               feature f's column is `column_words` words at f · column_words, word p holding
//               rows 4p..4p+3 of the batch (low byte first; bytes of rows past the batch 0), so
//               a CSR block loads one word per 4 rows of an edge's source. An invocation takes a
//               source word (4 features) of 16 rows, turns each 4 × 4 bytes round, and stores
//               4 words a feature: 0.85–1.0 ms an MNIST batch with one invocation per 4 rows'
//               word and loops over its bytes, ~0.3 ms so (SwiftShader).
//   gather_bytes_at  u8 source rows' bytes at the `features` source features listed in
//               `features_at`, packed 4 to a word in that order (low byte first, spare bytes
//               0): ceil(features / 4) words a row. A dense block out of the inputs that stores
//               only its rows with edges (a split's ε block: 155 of MNIST's 784 pixels) then
//               reads a packed batch of its own width (dense.wgsl LHS_U8, 4 values a load),
//               where it loaded its active sources' f32 values one at a time.
//   gather_f32  source rows of `features` f32 values (row stride `row_words` = features)
//   gather_u32  source rows of `features` u32 values (class labels, features = 1)
//
// Input dropout (override DROP, FitOptions.inputDropout): every input entry point but gather_u32's
// labels zeroes the inputs that dropout.wgsl's mask drops, drawn over the input level's values as
// rows × drop_width (batch row r, feature f: value r · drop_width + f, whatever form the batch is
// stored in), for level drop_level at the step in `counter` (the optimizer's step counter, so
// one recorded gather draws a new mask each step). An f32 batch's kept values are multiplied
// by drop_factor (1 / (1 − rate)) here, value · scale · drop_factor; packed bytes and byte
// columns keep their bytes (the dropped ones 0), and the kernels that read them multiply each
// byte's value by the same factor (BYTE_FACTOR in dense.wgsl and sparse.wgsl): the same bits.
// The input level has no gradient, so nothing else of the step sees the mask.
//
// Bindings (group 0):
//   @binding(0) params : uniform Params { rows, features, row_words, start, scale, column_words,
//                        drop_seed, drop_threshold, drop_level, drop_width, drop_factor }
//                        (bound with a dynamic offset: one 256-byte slot per step of an epoch)
//   @binding(1) order  : storage, read  u32  permutation of the dataset's row indices
//   gather_u8 / gather_u32: @binding(2) source : storage, read u32
//   gather_f32:             @binding(3) source_f32 : storage, read f32
//   gather_u8 / gather_f32: @binding(4) out : storage, read_write f32  rows×features
//   gather_u8_vec4 / gather_u8_x16: @binding(6) out4 : storage, read_write vec4<f32>  rows×features/4
//   gather_u8_x16:          @binding(7) source16 : storage, read vec4<u32>  (16 bytes a value)
//   gather_u32:             @binding(5) out_u32 : storage, read_write u32 rows×features
//   gather_words_x4:        @binding(7) source16, @binding(8) out_words4 : storage, read_write vec4<u32>
//   gather_bytes_at:        @binding(2) source, @binding(5) out_u32, @binding(10) features_at :
//                           storage, read u32 (the source feature of each packed byte)
//   gather_columns:         @binding(2) source, @binding(8) out_words4 (features × column_words
//                           words, column_words a multiple of 4 and ≥ 4·ceil(rows / 16); spmm wants 8·ceil(rows / 32))
//   the inputs' entry points: @binding(11) counter : storage, read f32 (counter[0] the step; read with DROP)
//
// Dispatch (gather_u8, gather_u8_vec4, gather_f32): workgroup 64, one workgroup per batch row, grid (x, y, 1)
//   with x·y ≥ rows (y > 1 only past 65535 rows); invocation t writes values t, t + 64, …
//   of its row (gather_u8: words t, t + 64, … of 4 values each), so nothing divides by
//   `features`; one invocation per value, each with a division, made the u8 gather of an
//   MNIST batch cost more than the 784-10 forward product on a software adapter (5.6 ms
//   against 1.3 ms now).
// Dispatch (gather_u8_x16): workgroup 64, one invocation per 16 bytes of the batch, grid (x, y, 1)
//   with x·y·64 ≥ rows·features/16; the one division per invocation (its row) is by a
//   uniform and serves 16 values.
// Dispatch (gather_words_x4): workgroup 64, one invocation per 4 words of the batch, grid (x, y, 1)
//   with x·y·64 ≥ rows·row_words/4.
// Dispatch (gather_columns): workgroup 64, one invocation per source word and 16 batch rows,
//   grid (x, y, 1) with x·y·64 ≥ ceil(rows / 16)·row_words.
// Dispatch (gather_columns16): workgroup 64, one invocation per 4 source words and 16 batch
//   rows, grid (x, y, 1) with x·y·64 ≥ ceil(rows / 16)·row_words / 4.
// Dispatch (gather_bytes_at): workgroup 64, one invocation per packed word of the batch, grid
//   (x, y, 1) with x·y·64 ≥ rows·ceil(features / 4).
// Dispatch (gather_u32): workgroup WIDTH (256), one invocation per value, grid (x, y, 1) with
//   x·y·WIDTH ≥ rows·features.

struct Params {
  rows: u32,
  features: u32,
  row_words: u32,
  start: u32,
  scale: f32,
  column_words: u32, // gather_columns: words of a feature's column
  drop_seed: u32,      // DROP: the masks' seed, dropout.wgsl's threshold, the input level's id
  drop_threshold: u32, // and its width (the features of a whole row, whatever this gather stores)
  drop_level: u32,
  drop_width: u32,
  drop_factor: f32,    // an f32 batch's kept values times this (1 / (1 − rate))
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> source: array<u32>;
@group(0) @binding(3) var<storage, read> source_f32: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> out_u32: array<u32>;
@group(0) @binding(6) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> source16: array<vec4<u32>>;
@group(0) @binding(8) var<storage, read_write> out_words4: array<vec4<u32>>;
@group(0) @binding(9) var<storage, read_write> out_rows4: array<vec4<u32>>;
@group(0) @binding(10) var<storage, read> features_at: array<u32>;
@group(0) @binding(11) var<storage, read> counter: array<f32>;

// The width of this file's 256-wide workgroups: the device's most where it allows fewer (a
// compatibility-mode device's default is 128); set by KernelCache (wideWorkgroup, src/kernels/kernel.ts).
override WIDTH: u32 = 256u;
override ROWS_TOO: bool = false;
override DROP: bool = false;
// DROP with an odd drop_width: a word's first input may be an odd value of the mask. A pipeline
// constant, not a test of the index: such a branch made the MNIST batch's gathers with DROP
// 50–80% slower on SwiftShader (it runs both sides), so rows of an even width never have it.
override DROP_ODD: bool = false;
override ACT: u32 = 0u; // unused here; the activation prelude's fixed-code functions read it

// The input mask's hash prefix at this step (DROP; 0 without, and the counter unread).
fn input_prefix() -> u32 {
  if (!DROP) { return 0u; }
  return drop_prefix(params.drop_seed, u32(counter[0]), params.drop_level);
}

// Whether inputs f..f+3 of batch row r (f a multiple of 4) are kept: values i..i+3 of the
// level's rows × drop_width, as dropout.wgsl draws them (drop_bits4, activation.wgsl).
fn kept4(prefix: u32, r: u32, f: u32) -> vec4<bool> {
  let i = r * params.drop_width + f;
  if (DROP_ODD) { return drop_bits4(prefix, i) >= vec4<u32>(params.drop_threshold); }
  return drop_bits4_even(prefix, i) >= vec4<u32>(params.drop_threshold);
}

// Whether input f of batch row r is kept (one hash).
fn kept1(prefix: u32, r: u32, f: u32) -> bool {
  return drop_bits(prefix, r * params.drop_width + f) >= params.drop_threshold;
}

// Values of inputs f..f+3 of batch row r, the kept ones times drop_factor and the dropped ones
// 0 (DROP; else as they are).
fn keep_values(prefix: u32, r: u32, f: u32, v: vec4<f32>) -> vec4<f32> {
  if (!DROP) { return v; }
  return select(vec4<f32>(0.0), v * params.drop_factor, kept4(prefix, r, f));
}

// A packed word of inputs f..f+3 (low byte first) of batch row r with the dropped bytes 0.
fn keep_bytes(prefix: u32, r: u32, f: u32, word: u32) -> u32 {
  if (!DROP) { return word; }
  let m = select(vec4<u32>(0u), vec4<u32>(0xffu, 0xff00u, 0xff0000u, 0xff000000u), kept4(prefix, r, f));
  return word & (m.x | m.y | m.z | m.w);
}

// The source row of batch row `r`.
fn source_row(r: u32) -> u32 {
  return order[params.start + r];
}

// Batch row of this workgroup, or params.rows when the grid overshoots.
fn batch_row(group: vec3<u32>, groups: vec3<u32>) -> u32 {
  return min(group.x + group.y * groups.x, params.rows);
}

@compute @workgroup_size(64, 1, 1)
fn gather_u8(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = batch_row(group, groups);
  if (r >= params.rows) { return; }
  let first = source_row(r) * params.row_words;
  let to = r * params.features;
  let prefix = input_prefix();
  // One source word (4 pixels) per iteration: a quarter of the loads of one value per
  // invocation, and the word's last bytes past `features` are row padding, not stored.
  for (var q = t; q < params.row_words; q = q + 64u) {
    let word = source[first + q];
    let f = 4u * q;
    let v = keep_values(prefix, r, f, unpack_word(word));
    if (f + 4u <= params.features) {
      out[to + f] = v.x; out[to + f + 1u] = v.y; out[to + f + 2u] = v.z; out[to + f + 3u] = v.w;
    } else {
      for (var j = 0u; f + j < params.features; j = j + 1u) { out[to + f + j] = v[j]; }
    }
  }
}

// The 4 bytes of a source word as values, low byte first, times the scale.
fn unpack_word(word: u32) -> vec4<f32> {
  return vec4<f32>(vec4<u32>(word, word >> 8u, word >> 16u, word >> 24u) & vec4<u32>(255u)) * params.scale;
}

@compute @workgroup_size(64, 1, 1)
fn gather_u8_vec4(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = batch_row(group, groups);
  if (r >= params.rows) { return; }
  let first = source_row(r) * params.row_words;
  let words = params.features / 4u;
  let to = r * words;
  let prefix = input_prefix();
  for (var q = t; q < words; q = q + 64u) {
    out4[to + q] = keep_values(prefix, r, 4u * q, unpack_word(source[first + q]));
  }
}

@compute @workgroup_size(64, 1, 1)
fn gather_u8_x16(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let per_row = params.features / 16u;
  let i = id.x + id.y * groups.x * 64u;
  if (i >= params.rows * per_row) { return; }
  let r = i / per_row;
  let q = i - r * per_row;
  // Rows of a multiple of 16 bytes are 4-word aligned: row_words / 4 values of 16 bytes.
  let bytes = source16[source_row(r) * (params.row_words / 4u) + q];
  let to = 4u * i;
  let prefix = input_prefix();
  let f = 16u * q;
  out4[to] = keep_values(prefix, r, f, unpack_word(bytes.x));
  out4[to + 1u] = keep_values(prefix, r, f + 4u, unpack_word(bytes.y));
  out4[to + 2u] = keep_values(prefix, r, f + 8u, unpack_word(bytes.z));
  out4[to + 3u] = keep_values(prefix, r, f + 12u, unpack_word(bytes.w));
}

@compute @workgroup_size(64, 1, 1)
fn gather_words_x4(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let per_row = params.row_words / 4u;
  let i = id.x + id.y * groups.x * 64u;
  if (i >= params.rows * per_row) { return; }
  let r = i / per_row;
  let q = i - r * per_row;
  out_words4[i] = keep_words4(input_prefix(), r, q, source16[source_row(r) * per_row + q]);
}

// Words 4q..4q+3 of batch row r (features 16q..16q+15) with the dropped bytes 0.
fn keep_words4(prefix: u32, r: u32, q: u32, w: vec4<u32>) -> vec4<u32> {
  if (!DROP) { return w; }
  let f = 16u * q;
  return vec4<u32>(keep_bytes(prefix, r, f, w.x), keep_bytes(prefix, r, f + 4u, w.y), keep_bytes(prefix, r, f + 8u, w.z), keep_bytes(prefix, r, f + 12u, w.w));
}

@compute @workgroup_size(64, 1, 1)
fn gather_bytes_at(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let per_row = (params.features + 3u) / 4u;
  let i = id.x + id.y * groups.x * 64u;
  if (i >= params.rows * per_row) { return; }
  let r = i / per_row;
  let first = source_row(r) * params.row_words;
  let t0 = 4u * (i - r * per_row);
  let prefix = input_prefix();
  var word = 0u;
  for (var c = 0u; c < 4u; c = c + 1u) {
    if (t0 + c < params.features) {
      let f = features_at[t0 + c];
      // The mask is drawn by source feature, not by place in this packed row.
      let byte = select(0u, (source[first + f / 4u] >> (8u * (f % 4u))) & 255u, !DROP || kept1(prefix, r, f));
      word = word | (byte << (8u * c));
    }
  }
  out_u32[i] = word;
}

@compute @workgroup_size(64, 1, 1)
fn gather_columns(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * 64u;
  if (i >= (params.rows + 15u) / 16u * params.row_words) { return; }
  // Neighbouring invocations take neighbouring words of the same 16 rows.
  let g = i / params.row_words;
  let q = i - g * params.row_words;
  let r0 = 16u * g;
  let prefix = input_prefix();
  store_word_columns(4u * q, 4u * g, array<vec4<u32>, 4>(source_words(prefix, r0, q), source_words(prefix, r0 + 4u, q), source_words(prefix, r0 + 8u, q), source_words(prefix, r0 + 12u, q)));
}

@compute @workgroup_size(64, 1, 1)
fn gather_columns16(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let per_row = params.row_words / 4u;
  let i = id.x + id.y * groups.x * 64u;
  if (i >= (params.rows + 15u) / 16u * per_row) { return; }
  let g = i / per_row;
  let q = i - g * per_row;
  let r0 = 16u * g;
  let prefix = input_prefix();
  let rows = array<RowWords4, 4>(row_words4(prefix, r0, q), row_words4(prefix, r0 + 4u, q), row_words4(prefix, r0 + 8u, q), row_words4(prefix, r0 + 12u, q));
  // Word c of the 4: features 16q + 4c .. + 3.
  store_word_columns(16u * q, 4u * g, word_of(rows, 0u));
  store_word_columns(16u * q + 4u, 4u * g, word_of(rows, 1u));
  store_word_columns(16u * q + 8u, 4u * g, word_of(rows, 2u));
  store_word_columns(16u * q + 12u, 4u * g, word_of(rows, 3u));
}

// Words 4q..4q+3 of batch rows r..r+3, a vec4 a row (0 past the batch); with ROWS_TOO also stored
// as the packed rows.
struct RowWords4 {
  a: vec4<u32>,
  b: vec4<u32>,
  c: vec4<u32>,
  d: vec4<u32>,
}

fn row_words4(prefix: u32, r: u32, q: u32) -> RowWords4 {
  return RowWords4(row_vec4(prefix, r, q), row_vec4(prefix, r + 1u, q), row_vec4(prefix, r + 2u, q), row_vec4(prefix, r + 3u, q));
}

fn row_vec4(prefix: u32, r: u32, q: u32) -> vec4<u32> {
  if (r >= params.rows) { return vec4<u32>(0u); }
  let per_row = params.row_words / 4u;
  let w = keep_words4(prefix, r, q, source16[source_row(r) * per_row + q]);
  if (ROWS_TOO) { out_rows4[r * per_row + q] = w; }
  return w;
}

// Word c of the 16 rows: for each group of 4 rows, that word of each row.
fn word_of(rows: array<RowWords4, 4>, c: u32) -> array<vec4<u32>, 4> {
  return array<vec4<u32>, 4>(
    vec4<u32>(rows[0].a[c], rows[0].b[c], rows[0].c[c], rows[0].d[c]), vec4<u32>(rows[1].a[c], rows[1].b[c], rows[1].c[c], rows[1].d[c]),
    vec4<u32>(rows[2].a[c], rows[2].b[c], rows[2].c[c], rows[2].d[c]), vec4<u32>(rows[3].a[c], rows[3].b[c], rows[3].c[c], rows[3].d[c]));
}

// The columns of features f..f+3 at word p (of 16 rows) from one source word of each of the 16
// rows, in groups of 4: features past the row's end are padding, not stored.
fn store_word_columns(f: u32, p: u32, groups4: array<vec4<u32>, 4>) {
  let c = transpose_bytes(groups4[0], groups4[1], groups4[2], groups4[3]);
  let at = f * params.column_words + p;
  if (f < params.features) { out_words_at(at, vec4<u32>(c[0].x, c[1].x, c[2].x, c[3].x)); }
  if (f + 1u < params.features) { out_words_at(at + params.column_words, vec4<u32>(c[0].y, c[1].y, c[2].y, c[3].y)); }
  if (f + 2u < params.features) { out_words_at(at + 2u * params.column_words, vec4<u32>(c[0].z, c[1].z, c[2].z, c[3].z)); }
  if (f + 3u < params.features) { out_words_at(at + 3u * params.column_words, vec4<u32>(c[0].w, c[1].w, c[2].w, c[3].w)); }
}

// Word q of batch rows r..r+3 (0 for rows past the batch), the dropped bytes 0.
fn source_words(prefix: u32, r: u32, q: u32) -> vec4<u32> {
  let last = params.rows - 1u;
  var w = vec4<u32>(source[source_row(min(r, last)) * params.row_words + q], source[source_row(min(r + 1u, last)) * params.row_words + q],
                    source[source_row(min(r + 2u, last)) * params.row_words + q], source[source_row(min(r + 3u, last)) * params.row_words + q]);
  if (DROP) {
    let f = 4u * q;
    w = vec4<u32>(keep_bytes(prefix, r, f, w.x), keep_bytes(prefix, r + 1u, f, w.y), keep_bytes(prefix, r + 2u, f, w.z), keep_bytes(prefix, r + 3u, f, w.w));
  }
  return select(vec4<u32>(0u), w, vec4<u32>(r, r + 1u, r + 2u, r + 3u) < vec4<u32>(params.rows));
}

// 4 × 4 groups of rows' words (4 rows each) → for each group, the 4 column words (byte k of
// each row's word, row order low byte first): a 4 × 4 byte transpose by masks and shifts.
fn transpose_bytes(a: vec4<u32>, b: vec4<u32>, c: vec4<u32>, d: vec4<u32>) -> array<vec4<u32>, 4> {
  return array<vec4<u32>, 4>(transpose4(a), transpose4(b), transpose4(c), transpose4(d));
}

// Rows' words w.x..w.w (4 bytes each) → the 4 column words: component k holds byte k of each row.
fn transpose4(w: vec4<u32>) -> vec4<u32> {
  let even = vec2<u32>(0x00FF00FFu);
  // Bytes (x0, y0, x2, y2) and (x1, y1, x3, y3), then the same of z and w.
  let lo = (w.xz & even) | ((w.yw & even) << vec2<u32>(8u));
  let hi = ((w.xz >> vec2<u32>(8u)) & even) | (w.yw & ~even);
  return vec4<u32>((lo.x & 0xFFFFu) | (lo.y << 16u), (hi.x & 0xFFFFu) | (hi.y << 16u), (lo.x >> 16u) | (lo.y & 0xFFFF0000u), (hi.x >> 16u) | (hi.y & 0xFFFF0000u));
}

// 4 consecutive column words from word `at` (a multiple of 4: column_words is one).
fn out_words_at(at: u32, v: vec4<u32>) {
  out_words4[at / 4u] = v;
}

@compute @workgroup_size(64, 1, 1)
fn gather_f32(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = batch_row(group, groups);
  if (r >= params.rows) { return; }
  let first = source_row(r) * params.row_words;
  let to = r * params.features;
  let prefix = input_prefix();
  for (var f = t; f < params.features; f = f + 64u) {
    var v = source_f32[first + f] * params.scale;
    if (DROP) { v = select(0.0, v * params.drop_factor, kept1(prefix, r, f)); }
    out[to + f] = v;
  }
}

@compute @workgroup_size(WIDTH, 1, 1)
fn gather_u32(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * WIDTH;
  if (i >= params.rows * params.features) { return; }
  let r = i / params.features;
  let w = i % params.features;
  // DROP: packed u8 rows of a width gather_words_x4 cannot take (word w holds inputs 4w..4w+3).
  out_u32[i] = keep_bytes(input_prefix(), r, 4u * w, source[source_row(r) * params.row_words + w]);
}
