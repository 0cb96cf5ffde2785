// augment.wgsl — random translations of a dataset's images, a new draw each epoch.
//
// Training with shifted copies of its images teaches a network that a digit moved by a pixel
// or two is the same digit. Before each epoch this kernel writes every training row, shifted,
// into a second buffer of the same layout, which the epoch's gathers then read instead of the
// uploaded rows: one pass over the data an epoch, and no change to any gather or step.
//
// Layout: a row is an image of height × width pixels, row-major, `channels` values a pixel
// (channels innermost), as src/graph/connections.ts lays out image levels. Row r moves by
// (dx, dy) pixels, each in [−shift, shift]: output pixel (x, y) holds input pixel
// (x − dx, y − dy), or 0 where that lies outside the image. The draw is
// h = pcg(r ^ key), dx = h mod n − shift, dy = (h / n) mod n − shift with n = 2·shift + 1;
// `key` mixes the run's seed and the epoch (src/data/augment.ts computes it, and the same draw
// for rows shifted on the CPU, so both give the same bits).
//
// Bindings (group 0):
//   @binding(0) params : uniform Params { rows, features, row_words, width, height, channels, shift, key }
//   shift_u8:  @binding(1) source_u8 : storage, read u32  rows × row_words words, 4 bytes a
//                                      word (low byte first; a row's bytes past `features`
//                                      are padding, never taken for pixels)
//              @binding(2) out_u8    : storage, read_write u32, the same layout (padding 0)
//   shift_f32: @binding(3) source_f32 : storage, read f32  rows × features
//              @binding(4) out_f32    : storage, read_write f32, the same layout
//
// Inside the image, output value f of a row comes from source value f − lag, lag =
// (dy · width + dx) · channels: a row's move is one offset, and the pixels moved in from
// outside are the values masked to 0.
//
// Entry points, one invocation per row walking its values in order (no index divided; on
// SwiftShader an MNIST epoch's 48,000 rows take ~55 ms with shift_u8, `node scripts/run-ts.mjs
// bench/augment.ts`; an invocation per output word that found each byte's pixel by division
// and loaded it on its own took ~590):
//   shift_u8   output word k is the source's words funnel-shifted by lag bytes (one word
//              loaded per word written), masked: a word at a time where every word is four
//              pixels of one line (one channel, a width of whole words), else byte by byte.
//              A byte copy: the moved images hold the source's bytes exactly.
//   shift_f32  copies each value.
// Dispatch: workgroup 64, grid (x, y, 1) with x·y·64 ≥ rows; row r = id.x + id.y · 64 · x.

struct Params {
  rows: u32,
  features: u32,
  row_words: u32,
  width: u32,
  height: u32,
  channels: u32,
  shift: u32,
  key: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> source_u8: array<u32>;
@group(0) @binding(2) var<storage, read_write> out_u8: array<u32>;
@group(0) @binding(3) var<storage, read> source_f32: array<f32>;
@group(0) @binding(4) var<storage, read_write> out_f32: array<f32>;

// PCG's output permutation of one LCG step (Jarzynski and Olano, "Hash Functions for GPU
// Rendering", 2020): a well-mixed u32 from a u32.
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// Row r's move (dx, dy).
fn row_shift(r: u32) -> vec2<i32> {
  let n = 2u * params.shift + 1u;
  let h = pcg(r ^ params.key);
  return vec2<i32>(i32(h % n), i32((h / n) % n)) - vec2<i32>(i32(params.shift));
}

// The output values that come from inside the image: pixels x0 ..< x1 of lines y0 ..< y1.
struct Inside {
  x0: u32,
  x1: u32,
  y0: u32,
  y1: u32,
}

fn inside_of(moved: vec2<i32>) -> Inside {
  let w = i32(params.width);
  let h = i32(params.height);
  return Inside(u32(max(moved.x, 0)), u32(min(w, w + moved.x)), u32(max(moved.y, 0)), u32(min(h, h + moved.y)));
}

// Where a walk over a row's values is: pixel (x, y), channel c.
struct Walk {
  x: u32,
  y: u32,
  c: u32,
}

// The next value's place. Selects, not branches: lanes of one SIMD group walk different rows
// in step, and a branch cost the MNIST pass 25%.
fn walk_on(p: Walk) -> Walk {
  let c = p.c + 1u;
  let next_pixel = c == params.channels;
  let x = p.x + select(0u, 1u, next_pixel);
  let next_line = x == params.width;
  return Walk(select(x, 0u, next_line), p.y + select(0u, 1u, next_line), select(c, 0u, next_pixel));
}

fn is_inside(p: Walk, a: Inside) -> bool {
  return (p.x >= a.x0) & (p.x < a.x1) & (p.y >= a.y0) & (p.y < a.y1);
}

// The move's offset in values: output value f comes from source value f − lag.
fn lag_of(moved: vec2<i32>) -> i32 {
  return (moved.y * i32(params.width) + moved.x) * i32(params.channels);
}

// Bytes `bits` / 8 on of the two words low, high (a row's move in whole words: low itself;
// a shift by 32 bits is not one).
fn joined(low: u32, high: u32, bits: u32) -> u32 {
  return select((low >> bits) | (high << (32u - bits)), low, bits == 0u);
}

// The mask of the four values from p on (the padding bytes past the image, at y = height,
// outside), and where the walk is after them.
struct Masked {
  mask: u32,
  next: Walk,
}

fn bytes_mask(start: Walk, a: Inside) -> Masked {
  var p = start;
  var mask = 0u;
  for (var b = 0u; b < 4u; b++) {
    mask |= select(0u, 255u << (b * 8u), is_inside(p, a));
    p = walk_on(p);
  }
  return Masked(mask, p);
}

// The mask of the word of four one-channel pixels from p on, where every word is four
// neighbouring pixels of one line (one channel, lines of whole words: MNIST's 28 × 28): the
// run of its bytes inside columns x0 ..< x1, or none outside lines y0 ..< y1. Masking byte by
// byte took 3x this pass's time.
fn word_mask(p: Walk, a: Inside) -> u32 {
  let first = u32(clamp(i32(a.x0) - i32(p.x), 0, 4));
  let last = u32(clamp(i32(a.x1) - i32(p.x), 0, 4));
  let below_last = select((1u << (last * 8u)) - 1u, 0xffffffffu, last == 4u);
  let below_first = select((1u << (first * 8u)) - 1u, 0xffffffffu, first == 4u);
  return select(0u, below_last & ~below_first, (p.y >= a.y0) & (p.y < a.y1));
}

// Four one-channel pixels on, in a line of a whole number of words.
fn walk_on_word(p: Walk) -> Walk {
  let x = p.x + 4u;
  let next_line = x == params.width;
  return Walk(select(x, 0u, next_line), p.y + select(0u, 1u, next_line), 0u);
}

// Word w of the source row starting at `row`, or 0 outside the row.
fn word_or_zero(row: u32, w: i32) -> u32 {
  let inside = (w >= 0) & (w < i32(params.row_words));
  return select(0u, source_u8[row + u32(clamp(w, 0, i32(params.row_words) - 1))], inside);
}

@compute @workgroup_size(64, 1, 1)
fn shift_u8(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = id.x + id.y * groups.x * 64u;
  if (r >= params.rows) { return; }
  let moved = row_shift(r);
  let inside = inside_of(moved);
  let row = r * params.row_words;
  // Output word k holds source bytes 4k − lag …: words w and w + 1 of the source, joined.
  let lag = lag_of(moved);
  var w = (-lag) >> 2u;
  let bits = u32((-lag) & 3) * 8u;
  var low = word_or_zero(row, w);
  var p = Walk(0u, 0u, 0u);
  // Two loops, not one with the choice inside: SwiftShader made that choice at every word, and
  // the MNIST pass took 80 ms instead of 55.
  if ((params.channels == 1u) & (params.width % 4u == 0u)) {
    for (var k = 0u; k < params.row_words; k++) {
      let high = word_or_zero(row, w + 1);
      out_u8[row + k] = joined(low, high, bits) & word_mask(p, inside);
      p = walk_on_word(p);
      low = high;
      w += 1;
    }
    return;
  }
  for (var k = 0u; k < params.row_words; k++) {
    let high = word_or_zero(row, w + 1);
    let masked = bytes_mask(p, inside);
    out_u8[row + k] = joined(low, high, bits) & masked.mask;
    p = masked.next;
    low = high;
    w += 1;
  }
}

@compute @workgroup_size(64, 1, 1)
fn shift_f32(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = id.x + id.y * groups.x * 64u;
  if (r >= params.rows) { return; }
  let moved = row_shift(r);
  let inside = inside_of(moved);
  let row = r * params.features;
  let lag = lag_of(moved);
  var p = Walk(0u, 0u, 0u);
  for (var f = 0u; f < params.features; f++) {
    let keep = is_inside(p, inside);
    out_f32[row + f] = select(0.0, source_f32[row + u32(select(0, i32(f) - lag, keep))], keep);
    p = walk_on(p);
  }
}
