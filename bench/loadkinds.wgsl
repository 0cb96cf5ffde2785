// loadkinds.wgsl — what one load costs by the memory it reads and its width, beside the same
// loop with no load at all. On a GPU the answers differ by orders of magnitude (workgroup
// memory is the fast one); on a software adapter they decide whether a kernel can trade loads
// for wider or shared ones. SwiftShader gathers a load lane by lane whenever the lanes'
// addresses are not known to be equal or consecutive when it compiles (always, for indices
// computed at run time), and a vec4 load is four such gathers; its atomic loads check at run
// time for equal or consecutive addresses first, and would then load once for all lanes: the
// two atomic kinds below whose lanes read one address or neighbouring ones test whether that
// makes them cheaper.
//
// Every invocation t sums `params.loads` values of a table of 4096 floats (16 KiB, so it stays
// in the cache); load i reads index a = (17·t + 67·i) mod 4096 (neighbours 68 bytes apart):
//   load_scalar   data[a]                                   (storage, array<f32>)
//   load_vec4     the 4 values of data4[a mod 1024]          (storage, array<vec4<f32>>, the same table)
//   load_shared   tile[a], tile the table copied into workgroup memory first (64 values an
//                 invocation, then one barrier)
//   load_atomic   bitcast<f32>(atomicLoad(&bits[a]))         (storage, array<atomic<u32>>, the table's bits)
//   load_atomic_same         the same at a = 67·i mod 4096: every invocation reads one address
//   load_atomic_consecutive  the same at a = (t + 67·i) mod 4096: neighbouring invocations
//                            read neighbouring words
//   load_none     f32(a): the loop and the address arithmetic, no load
// and writes its sum to out[64·g + t], so no load can be dropped.
//
// Bindings (group 0):
//   @binding(0) params : uniform Params { loads }
//   @binding(1) data   : storage, read        4096 f32     (load_scalar, load_shared)
//   @binding(2) data4  : storage, read        1024 vec4    (load_vec4; the same buffer as data)
//   @binding(3) bits   : storage, read_write  4096 u32     (load_atomic*; a copy of the table: a
//                        writable binding may not alias a read-only one)
//   @binding(4) out    : storage, read_write  one f32 per invocation
// Dispatch: workgroup 64, grid (groups, 1, 1).

struct Params {
  loads: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> data: array<f32>;
@group(0) @binding(2) var<storage, read> data4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> bits: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> tile: array<f32, 4096>;

fn address(t: u32, i: u32) -> u32 {
  return (17u * t + 67u * i) & 4095u;
}

@compute @workgroup_size(64, 1, 1)
fn load_scalar(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  var sum = 0.0;
  for (var i = 0u; i < params.loads; i = i + 1u) { sum = sum + data[address(t, i)]; }
  out[64u * g.x + t] = sum;
}

@compute @workgroup_size(64, 1, 1)
fn load_vec4(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  var sum = vec4<f32>(0.0);
  for (var i = 0u; i < params.loads; i = i + 1u) { sum = sum + data4[address(t, i) & 1023u]; }
  out[64u * g.x + t] = (sum.x + sum.y) + (sum.z + sum.w);
}

@compute @workgroup_size(64, 1, 1)
fn load_shared(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  for (var k = 0u; k < 64u; k = k + 1u) { tile[64u * k + t] = data[64u * k + t]; }
  workgroupBarrier();
  var sum = 0.0;
  for (var i = 0u; i < params.loads; i = i + 1u) { sum = sum + tile[address(t, i)]; }
  out[64u * g.x + t] = sum;
}

@compute @workgroup_size(64, 1, 1)
fn load_atomic(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  var sum = 0.0;
  for (var i = 0u; i < params.loads; i = i + 1u) { sum = sum + bitcast<f32>(atomicLoad(&bits[address(t, i)])); }
  out[64u * g.x + t] = sum;
}

@compute @workgroup_size(64, 1, 1)
fn load_atomic_same(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  var sum = 0.0;
  for (var i = 0u; i < params.loads; i = i + 1u) { sum = sum + bitcast<f32>(atomicLoad(&bits[(67u * i) & 4095u])); }
  out[64u * g.x + t] = sum;
}

@compute @workgroup_size(64, 1, 1)
fn load_atomic_consecutive(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  var sum = 0.0;
  for (var i = 0u; i < params.loads; i = i + 1u) { sum = sum + bitcast<f32>(atomicLoad(&bits[(t + 67u * i) & 4095u])); }
  out[64u * g.x + t] = sum;
}

@compute @workgroup_size(64, 1, 1)
fn load_none(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  var sum = 0.0;
  for (var i = 0u; i < params.loads; i = i + 1u) { sum = sum + f32(address(t, i)); }
  out[64u * g.x + t] = sum;
}
