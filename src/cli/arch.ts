import { ConfigError } from '../errors.js';

/** Parse `784-96-10` into layer sizes. */
export function parseArch(text: string): number[] {
  const sizes = text.split('-').map((s) => Number(s));
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new ConfigError(`--arch must be layer sizes joined by "-", like 784-96-10; got "${text}"`);
  }
  return sizes;
}
