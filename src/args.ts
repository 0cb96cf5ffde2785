/**
 * Checks of an argument's kind at the public entry points, for callers without TypeScript's
 * types (a page's script, a REPL): a missing options object or a number where a list belongs
 * gets a typed error that names the argument, not a TypeError from deep inside.
 */
import { closestMatch } from 'leven';
import { ConfigError, type SennError } from './errors.js';

type ErrorClass = new (message: string) => SennError;

/** Whether `value` is an object with fields: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object with fields (see {@link isRecord}), else `error` (default ConfigError) naming `what`. */
export function objectArg<T>(what: string, value: T, error: ErrorClass = ConfigError): T {
  if (!isRecord(value)) throw new error(`${what} must be an object, got ${describe(value)}`);
  return value;
}

/** An array, else `error` (default ConfigError) naming `what`. */
export function listArg<T>(what: string, value: readonly T[], error: ErrorClass = ConfigError): readonly T[] {
  if (!Array.isArray(value)) throw new error(`${what} must be a list, got ${describe(value)}`);
  return value;
}

/**
 * `value` where it is true, false or absent (undefined), else a ConfigError naming `what`: a
 * switch given "false" (a string, from a form or a query) would otherwise act as true.
 */
export function booleanArg(what: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new ConfigError(`${what} must be true or false, got ${describe(value)}`);
  return value;
}

/** `value` where it is a whole number ≥ 1 (≥ 0 with `allowZero`), else `error` (default ConfigError) naming `what`. */
export function positiveInteger(what: string, value: unknown, allowZero = false, error: ErrorClass = ConfigError): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new error(`${what} must be ${allowZero ? 'a non-negative' : 'a positive'} integer, got ${describe(value)}`);
  }
  return value;
}

/** How a stray value reads in a message: as JSON where it has some (cut at 80 characters). */
export function describe(value: unknown): string {
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  // NaN and the infinities, which JSON writes as null.
  if (typeof value === 'number') return String(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // A cycle, a BigInt: the plain string below.
  }
  text ??= String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * " (did you mean adam?)" when `value` is a likely misspelling of one of `choices` (capitals
 * aside, two edits at most, one in a word of 3 characters: a typo, two letters swapped, a "_"
 * for a "-"), else "": the end of a message that names the choices. Nothing for a number or a
 * word of 1–2 characters, whose near neighbours are no more likely meant than any other choice.
 */
export function didYouMean(value: unknown, choices: readonly string[]): string {
  if (typeof value !== 'string' || value.trim().length <= 2 || Number.isFinite(Number(value))) return '';
  // Never `value` itself: a list may name it and still not take it (a help text names other
  // commands' options: predict's says "senn train --save").
  const others = choices.filter((c) => c !== value);
  const lower = others.map((c) => c.toLowerCase());
  const match = closestMatch(value.toLowerCase(), lower, { maxDistance: value.length === 3 ? 1 : 2 });
  return match === undefined ? '' : ` (did you mean ${others[lower.indexOf(match)]}?)`;
}

/**
 * The message for a name outside a closed list, the same in every module: `unknown optimizer
 * "Adam"; expected one of adam, adamw, sgd (did you mean adam?)`.
 */
export function unknownChoice(what: string, value: unknown, choices: readonly string[]): string {
  return `unknown ${what} ${describe(value)}; expected one of ${choices.join(', ')}${didYouMean(value, choices)}`;
}

/**
 * The same for an option named by the user (a CLI flag, a field at a path): `--init must be one
 * of linear, he-uniform, glorot-uniform, got "kaiming"`.
 */
export function notOneOf(option: string, value: unknown, choices: readonly string[]): string {
  return `${option} must be one of ${choices.join(', ')}, got ${describe(value)}${didYouMean(value, choices)}`;
}
