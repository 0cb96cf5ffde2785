import { ConfigError } from '../errors.js';

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
