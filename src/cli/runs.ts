import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from './options.js';

// Commands made of several `senn train` runs (`--seeds`, `--compare-fixed`): each run is the
// command line less the command's own options, writes its JSON to a file in a temporary folder,
// and the command reads it back.

/** One of parseArgs' tokens of a command line (`parseArgs({ tokens: true })`), as far as {@link withoutOptions} reads it. */
export interface ArgToken {
  kind: string;
  name?: string;
  index: number;
  value?: string;
  inlineValue?: boolean;
}

/** `argv` without the options named `names` (and their values), by parseArgs' tokens of it. */
export function withoutOptions(argv: readonly string[], tokens: readonly ArgToken[], names: readonly string[]): string[] {
  const drop = new Set<number>();
  for (const t of tokens) {
    if (t.kind !== 'option' || !names.includes(t.name!)) continue;
    drop.add(t.index);
    if (t.value !== undefined && !t.inlineValue) drop.add(t.index + 1);
  }
  return argv.filter((_, i) => !drop.has(i));
}

/** `body` given a new temporary folder, which is removed when `body` ends, however it ends. */
export async function inScratchDir<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One run of `train` with `--json file` added to `argv`: its exit code, and the JSON it wrote
 * where it ran to its end (0, or 1 for a divergence); null where the command line was refused (a
 * usage or input error, the same for every run of it) or the run failed before it could end (a
 * lost device).
 */
export async function runWithJson<T>(train: (argv: string[]) => Promise<number>, argv: readonly string[], file: string): Promise<{ code: number; run: T | null }> {
  const code = await train([...argv, '--json', file]);
  if (code !== EXIT.ok && code !== EXIT.failure) return { code, run: null };
  try {
    return { code, run: JSON.parse(readFileSync(file, 'utf8')) as T };
  } catch {
    return { code, run: null };
  }
}
