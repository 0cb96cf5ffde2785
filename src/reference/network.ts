/** CPU reference of a whole dense network (float64): forward pass and mean loss. */
import type { Activation } from '../kernels/activation.js';
import { denseForwardRef } from './dense.js';
import { mseRef, softmaxXentRef } from './loss.js';

/** One layer for the reference: weights inputs × outputs (row-major), bias, activation. */
export interface RefLayer {
  inputs: number;
  outputs: number;
  activation: Activation;
  weights: ArrayLike<number>;
  bias: ArrayLike<number>;
}

/** Outputs (rows × last outputs) of the network for `x` (rows × inputs). */
export function networkForwardRef(layers: readonly RefLayer[], x: ArrayLike<number>, rows: number): Float64Array {
  let a: ArrayLike<number> = x;
  let out: Float64Array = new Float64Array(0);
  for (const l of layers) {
    out = denseForwardRef(a, l.weights, l.bias, rows, l.outputs, l.inputs, l.activation);
    a = out;
  }
  return out;
}

/** Mean loss over the rows: softmax cross-entropy on labels, or mean squared error on targets. */
export function networkLossRef(
  layers: readonly RefLayer[],
  x: ArrayLike<number>,
  rows: number,
  y: { labels: ArrayLike<number> } | { targets: ArrayLike<number> },
): number {
  const out = networkForwardRef(layers, x, rows);
  const classes = layers[layers.length - 1]!.outputs;
  const sum = 'labels' in y ? softmaxXentRef(out, y.labels, rows, classes).lossSum : mseRef(out, y.targets, rows, classes).lossSum;
  return sum / rows;
}
