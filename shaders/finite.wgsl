// finite.wgsl — how many values of a float buffer are not finite (NaN, +∞ or −∞).
//
// Training ends every epoch with this over the parameters. The losses alone miss a weight
// that went NaN into a hidden ReLU neuron: max(NaN, 0) may give 0 (SwiftShader's does), so
// the neuron falls silent, its gradient is 0 from then on, every loss stays finite, and the
// network would be saved in a file the loader refuses. One pass over the live parameters (a
// few thousand vec4s) in the epoch's last step, its count read back with the epoch's losses,
// closes that gap.
//
// The values are read as their u32 bits: a float is not finite exactly when its 8 exponent
// bits are all set, a test a compiler may not fold away as it may `x != x` where it assumes
// no NaN. Each invocation tests 4 values and touches the counter only when one of them fails,
// so a finite buffer costs no atomic operation at all.
//
// Bindings (group 0):
//   @binding(0) params : uniform Params { count, slot }; count: values to test, a multiple of 4
//   @binding(1) values : storage, read  vec4<u32>, count / 4 of them (the floats' bits)
//   @binding(2) result : storage, read_write atomic<u32>; result[slot] += the values not finite
//
// Entry point: count_nonfinite. Dispatch: workgroup WIDTH (256), one invocation per 4 values, grid
//   (x, y, 1) with x·y·WIDTH ≥ count / 4 (y > 1 only past 65535 groups).

// The width of this file's 256-wide workgroups: the device's most where it allows fewer (a
// compatibility-mode device's default is 128); set by KernelCache (wideWorkgroup, src/kernels/kernel.ts).
override WIDTH: u32 = 256u;
struct Params {
  count: u32,
  slot: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> values: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> result: array<atomic<u32>>;

const EXPONENT = 0x7f800000u;

@compute @workgroup_size(WIDTH, 1, 1)
fn count_nonfinite(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * WIDTH;
  if (i >= params.count / 4u) { return; }
  let bad = (values[i] & vec4<u32>(EXPONENT)) == vec4<u32>(EXPONENT);
  let found = dot(select(vec4<u32>(0u), vec4<u32>(1u), bad), vec4<u32>(1u));
  if (found != 0u) { atomicAdd(&result[params.slot], found); }
}
