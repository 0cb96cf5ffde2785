import { accessSync, constants, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CheckpointError, ConfigError } from '../errors.js';
import { checkpointRun } from '../io/checkpoint.js';
import type { NodeRuntimeOptions } from '../node/dawn.js';
import { MAX_GENERATED_ROWS } from '../data/generated.js';
import type { DataRecipe } from './datasets.js';
import type { RunPlan } from './runPlan.js';

/** A numeric option's value, `fallback` when absent; a ConfigError naming the option otherwise. */
export function numberOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`--${name} must be a number, got "${value}"`);
  return n;
}

/** CSV options of the commands that read CSV files. */
export const delimiterHelp = (fallback: string) => `  --delimiter C      CSV: the field separator, one character or "tab" (default ${fallback})`;

/** `--delimiter`'s value as a separator: "tab" (or \\t) is a tab; a ConfigError for anything but one character. */
export function delimiterOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const d = value === 'tab' || value === '\\t' ? '\t' : value;
  if ([...d].length !== 1 || /["\r\n]/.test(d)) throw new ConfigError(`--delimiter must be one character (not a quote or line break) or "tab", got "${value}"`);
  return d;
}

/** What `senn train` saves beside the network, so `eval`, `predict` and `--resume` need no repeated flags. */
export interface SavedRun {
  data: DataRecipe;
  /** The training arguments, as resolved by `senn train`. */
  args: Record<string, unknown>;
  /** The network's epochs the run set out to train (see runPlan.ts; absent in files of earlier builds). */
  plan?: RunPlan;
}

/** A checkpoint file's bytes; CheckpointError when it cannot be read. */
export function readCheckpointFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new CheckpointError(`cannot read checkpoint ${path}: ${(error as Error).message}`);
  }
}

/** Read a checkpoint file and the run saved with it. */
export function readModel(path: string): { bytes: Uint8Array; run: SavedRun } {
  const bytes = readCheckpointFile(path);
  const run = checkpointRun(bytes);
  const data = run?.data as DataRecipe | undefined;
  if (!run || typeof data !== 'object' || data === null || typeof data.dataset !== 'string' || (data.task !== 'classification' && data.task !== 'regression')) {
    throw new CheckpointError(`${path} was not written by senn train (it has no run description); load it with runtime.loadNetwork instead`);
  }
  const rows = data.generatedRows;
  if (rows !== undefined && !(Number.isSafeInteger(rows) && rows >= 5 && rows <= MAX_GENERATED_ROWS)) {
    throw new CheckpointError(`${path}: its run's generatedRows must be a whole number of rows from 5 to ${MAX_GENERATED_ROWS.toLocaleString('en-US')}, got ${JSON.stringify(rows)}`);
  }
  return {
    bytes,
    run: {
      data,
      args: typeof run.args === 'object' && run.args !== null ? (run.args as Record<string, unknown>) : {},
      // Checked where it is read (planOf): a run description is free-form.
      ...(run.plan !== undefined ? { plan: run.plan as RunPlan } : {}),
    },
  };
}

/**
 * A ConfigError unless `path`, the value of `flag` (`--save`, `--json`, `--output`), names a
 * file that can be written: checked before the work, so a run does not train for an hour and
 * then fail on a missing directory. A file there is replaced; a directory is refused.
 */
export function checkOutputPath(flag: string, path: string | undefined): void {
  if (path === undefined) return;
  if (path.trim() === '') throw new ConfigError(`${flag} needs a file name`);
  const where = dirname(path);
  const kind = (at: string) => {
    try {
      return statSync(at).isDirectory() ? 'directory' : 'file';
    } catch {
      return 'none';
    }
  };
  if (kind(path) === 'directory') throw new ConfigError(`${flag} ${path} is a directory; give a file name in it`);
  if (kind(where) !== 'directory') throw new ConfigError(`${flag} ${path}: the directory ${where} does not exist`);
  try {
    accessSync(where, constants.W_OK);
    if (kind(path) === 'file') accessSync(path, constants.W_OK);
  } catch {
    throw new ConfigError(`${flag} ${path}: no permission to write there`);
  }
}

/** A command's result that could not be written where asked (after the work: a full disk, a lost mount). */
export class OutputError extends Error {
  override name = 'OutputError';
}

/**
 * Write `data` to `path` (the value of `flag`) whole, through a temporary file beside it
 * (so the file is never half written). Should that fail after the work (a full disk), the
 * data goes to a file in the system's temporary directory instead and the error says where:
 * a finished run is not lost. A path that fails again in the same process (`--save-every`'s
 * saves) overwrites its one rescued file, so the temporary directory holds the newest copy
 * only, not one copy a save.
 */
export function writeOutput(flag: string, path: string, data: string | Uint8Array): void {
  try {
    writeWhole(path, data);
  } catch (error) {
    const why = (error as Error).message;
    let rescue: string;
    try {
      rescue = rescueOutput(path, data);
    } catch (rescueError) {
      throw new OutputError(`cannot write ${flag} ${path} (${why}), nor a copy of it in the temporary directory (${(rescueError as Error).message})`);
    }
    throw new OutputError(`cannot write ${flag} ${path} (${why}); written to ${rescue} instead`);
  }
}

/**
 * Write `data` to `path` through a temporary file beside it: the file is whole or as it was,
 * and a temporary file that could not be finished (a full disk) is not left behind.
 */
function writeWhole(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(`${path}.tmp`, data);
    renameSync(`${path}.tmp`, path);
  } catch (error) {
    try {
      rmSync(`${path}.tmp`, { force: true });
    } catch {
      // Not ours to remove (a directory of that name): the write's error is the one to tell.
    }
    throw error;
  }
}

/** The rescued file of each output path that could not be written, in this process. */
const rescued = new Map<string, string>();

/**
 * Write `data` to the rescued file of `path` (the one it had, replaced whole, or a new one);
 * returns its path.
 */
function rescueOutput(path: string, data: string | Uint8Array): string {
  const earlier = rescued.get(path);
  if (earlier !== undefined) {
    try {
      writeWhole(earlier, data);
      return earlier;
    } catch {
      // Removed since (or full): a new one.
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'senn-'));
  const rescue = join(dir, basename(path));
  try {
    writeFileSync(rescue, data);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  rescued.set(path, rescue);
  return rescue;
}

/** A test result as every command prints it: a regression's RMSE, a classifier's accuracy. */
export function testQuality(regression: boolean, test: { loss: number; accuracy: number | null }): string {
  return regression ? `rmse ${Math.sqrt(test.loss).toFixed(4)}` : `accuracy ${(100 * test.accuracy!).toFixed(2)}%`;
}

/** Exit codes every command uses (documented in `senn --help`). */
export const EXIT = { ok: 0, failure: 1, usage: 2, input: 3 } as const;

/** The adapter flags every command takes (parseArgs options). */
export const ADAPTER_OPTIONS = {
  software: { type: 'boolean', default: false },
  'bounds-checks': { type: 'boolean', default: false },
} as const;

/** Help lines of {@link ADAPTER_OPTIONS}. */
export const ADAPTER_HELP = `  --software         use the software adapter even if a GPU is present
  --bounds-checks    keep Dawn's bounds checks on every shader buffer access; off by default,
                     as senn's kernels keep their indices in range (tested so), which makes
                     training about 1.3x faster on the software adapter`;

/** The runtime options those flags ask for. */
export function adapterOptions(v: { software?: boolean; 'bounds-checks'?: boolean }): NodeRuntimeOptions {
  return { forceSoftware: v.software ?? false, boundsChecks: v['bounds-checks'] ?? false };
}
