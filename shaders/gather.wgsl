// gather.wgsl — assemble a batch from a dataset held on the GPU, in a shuffled order.
//
// The dataset is uploaded once; each epoch uploads only a permutation of row indices, and
// each step gathers `rows` rows starting at position `start` of that permutation. This is
// how shuffling and batching run without per-step uploads.
//
// Entry points:
//   gather_u8   source rows of `features` bytes packed 4 per u32 (row stride `row_words`
//               words); out = byte · scale (MNIST pixels with scale 1/255)
//   gather_f32  source rows of `features` f32 values (row stride `row_words` = features)
//   gather_u32  source rows of `features` u32 values (class labels, features = 1)
//
// Bindings (group 0):
//   @binding(0) params : uniform Params { rows, features, row_words, start, scale }
//                        (bound with a dynamic offset: one 256-byte slot per step of an epoch)
//   @binding(1) order  : storage, read  u32  permutation of the dataset's row indices
//   gather_u8 / gather_u32: @binding(2) source : storage, read u32
//   gather_f32:             @binding(3) source_f32 : storage, read f32
//   gather_u8 / gather_f32: @binding(4) out : storage, read_write f32  rows×features
//   gather_u32:             @binding(5) out_u32 : storage, read_write u32 rows×features
//
// Dispatch: workgroup 256, one invocation per output value, grid (x, y, 1) with
//   x·y·256 ≥ rows·features (y > 1 only past 65535 groups).

struct Params {
  rows: u32,
  features: u32,
  row_words: u32,
  start: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> source: array<u32>;
@group(0) @binding(3) var<storage, read> source_f32: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> out_u32: array<u32>;

// (output index, source row, column) of this invocation, or row == rows when out of range.
fn locate(id: vec3<u32>, groups: vec3<u32>) -> vec3<u32> {
  let i = id.x + id.y * groups.x * 256u;
  if (i >= params.rows * params.features) { return vec3<u32>(i, params.rows, 0u); }
  let r = i / params.features;
  return vec3<u32>(i, order[params.start + r], i % params.features);
}

@compute @workgroup_size(256, 1, 1)
fn gather_u8(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * 256u;
  if (i >= params.rows * params.features) { return; }
  let at = locate(id, groups);
  let word = source[at.y * params.row_words + at.z / 4u];
  out[at.x] = f32((word >> ((at.z % 4u) * 8u)) & 255u) * params.scale;
}

@compute @workgroup_size(256, 1, 1)
fn gather_f32(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * 256u;
  if (i >= params.rows * params.features) { return; }
  let at = locate(id, groups);
  out[at.x] = source_f32[at.y * params.row_words + at.z] * params.scale;
}

@compute @workgroup_size(256, 1, 1)
fn gather_u32(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * 256u;
  if (i >= params.rows * params.features) { return; }
  let at = locate(id, groups);
  out_u32[at.x] = source[at.y * params.row_words + at.z];
}
