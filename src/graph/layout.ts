import type { Activation } from '../kernels/activation.js';

/** One dense connection block: inputs × outputs weights (stored inputs-major) and a bias. */
export interface LayerInfo {
  readonly inputs: number;
  readonly outputs: number;
  readonly activation: Activation;
  /** Offset, in floats, of the weights (inputs × outputs, row-major) in the flat parameter buffer. */
  readonly weightOffset: number;
  /** Offset, in floats, of the bias (outputs values). */
  readonly biasOffset: number;
}

/**
 * Offsets are multiples of 64 floats (256 bytes) because WebGPU binds buffer ranges only
 * at `minStorageBufferOffsetAlignment`, which is at most 256.
 */
export const PARAMETER_ALIGN = 64;

function align(n: number): number {
  return Math.ceil(n / PARAMETER_ALIGN) * PARAMETER_ALIGN;
}

/** Place every layer's weights and bias in one flat buffer; returns the layers and its length in floats. */
export function layoutParameters(
  blocks: readonly { inputs: number; outputs: number; activation: Activation }[],
): { layers: LayerInfo[]; floats: number } {
  let at = 0;
  const layers = blocks.map((b) => {
    const weightOffset = at;
    at = align(at + b.inputs * b.outputs);
    const biasOffset = at;
    at = align(at + b.outputs);
    return { ...b, weightOffset, biasOffset };
  });
  return { layers, floats: Math.max(at, PARAMETER_ALIGN) };
}

/** Weights and biases actually used (padding excluded). */
export function countParameters(layers: readonly LayerInfo[]): number {
  return layers.reduce((n, l) => n + l.inputs * l.outputs + l.outputs, 0);
}
