// activation.wgsl — activation functions shared by the dense, sparse and graph kernel families.
// Not a kernel: prepended to a family's source by the kernel loader (error lines are mapped
// back to the family's own file). Codes: 0 identity, 1 relu, 2 tanh, 3 sigmoid.
// `activate` / `activate_grad` use the including file's `override ACT: u32` (one activation
// per pipeline, folded at compile time); the `_by` forms take the code at run time (the graph
// kernels walk levels of different activations in one dispatch).

fn activate_by(code: u32, z: f32) -> f32 {
  switch code {
    case 1u: { return max(z, 0.0); }
    case 2u: { return tanh(z); }
    case 3u: { return 1.0 / (1.0 + exp(-z)); }
    default: { return z; }
  }
}

// Derivative written in terms of the activation's output a = act(z).
fn activate_grad_by(code: u32, a: f32) -> f32 {
  switch code {
    case 1u: { return select(0.0, 1.0, a > 0.0); }
    case 2u: { return 1.0 - a * a; }
    case 3u: { return a * (1.0 - a); }
    default: { return 1.0; }
  }
}

fn activate(z: f32) -> f32 {
  return activate_by(ACT, z);
}

fn activate_grad(a: f32) -> f32 {
  return activate_grad_by(ACT, a);
}
