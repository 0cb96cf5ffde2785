import { ConfigError } from '../errors.js';
import { type LocalConnections, localConnections } from '../graph/connections.js';

/** Parse `784-96-10` into layer sizes. */
export function parseArch(text: string): number[] {
  const sizes = text.split('-').map((s) => Number(s));
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new ConfigError(`--arch must be layer sizes joined by "-", like 784-96-10; got "${text}"`);
  }
  return sizes;
}

/**
 * Parse `--expandable 1,2` (indices into the layer sizes, 1 = the first hidden layer) for a
 * network of `layers` sizes; whether each may grow is checked when the network is built.
 */
export function parseExpandable(text: string, layers: number): number[] {
  const levels = text.split(',').map((s) => Number(s.trim()));
  if (levels.length === 0 || levels.some((l) => !Number.isInteger(l) || l < 1 || l >= layers)) {
    throw new ConfigError(`--expandable must list layer indices from 1 to ${layers - 1} joined by ",", like 1,${layers - 1}; got "${text}"`);
  }
  return levels;
}

/**
 * `--local K,S,F` (and `--image WxH[xC]`): a locally connected first layer of F neurons per
 * window position, K×K windows S pixels apart, over inputs that are an image; without
 * `--image` a square one-channel image of `features` pixels (MNIST's 28×28).
 */
export function parseLocal(text: string, features: number, image?: string): LocalConnections {
  const [kernel, stride, filters, ...rest] = text.split(',').map((s) => Number(s.trim()));
  if (rest.length > 0 || [kernel, stride, filters].some((v) => !Number.isInteger(v) || v! < 1)) {
    throw new ConfigError(`--local must be KERNEL,STRIDE,FILTERS (positive integers), like 6,2,4; got "${text}"`);
  }
  let shape: number[];
  if (image !== undefined) {
    shape = image.split('x').map(Number);
    if (shape.length < 2 || shape.length > 3 || shape.some((v) => !Number.isInteger(v) || v < 1)) throw new ConfigError(`--image must be WIDTHxHEIGHT or WIDTHxHEIGHTxCHANNELS, like 28x28; got "${image}"`);
  } else {
    const side = Math.round(Math.sqrt(features));
    if (side * side !== features) throw new ConfigError(`--local: ${features} inputs are not a square image; give its shape with --image WIDTHxHEIGHT[xCHANNELS]`);
    shape = [side, side];
  }
  const [width, height, channels = 1] = shape as [number, number, number?];
  if (width * height * channels !== features) throw new ConfigError(`--image ${image}: ${width * height * channels} values, the data has ${features} inputs`);
  return localConnections({ width, height, channels, kernel: kernel!, stride: stride!, filters: filters! });
}

/**
 * `--local` given once or more: locally connected layers one after another, the first over the
 * inputs (see {@link parseLocal}), each next one over the previous one's output, an image of
 * its window positions with its filters as channels.
 */
export function parseLocalLayers(texts: readonly string[], features: number, image?: string): LocalConnections[] {
  const layers: LocalConnections[] = [];
  for (const text of texts) {
    const last = layers.at(-1);
    layers.push(last ? parseLocal(text, last.size, `${last.outWidth}x${last.outHeight}x${last.size / (last.outWidth * last.outHeight)}`) : parseLocal(text, features, image));
  }
  return layers;
}
