// Running the `senn` command in tests: in this process (its output captured), or as a user
// runs it (the built command, in a child process).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/**
 * A fresh temporary directory and the path of a file in it, removed when the test file's
 * tests are done (call it at a file's top level, where `afterAll` registers).
 */
export function scratchDir(prefix: string): { dir: string; path: (name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, path: (name) => join(dir, name) };
}

/** Run the CLI in this process; returns its exit code and what it printed. */
export async function senn(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const error = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    return { code: await main(argv), out, err };
  } finally {
    log.mockRestore();
    write.mockRestore();
    error.mockRestore();
  }
}

/** `senn train ARGV` as a user runs it (the built command), interrupted by Ctrl-C once its second epoch is printed. */
export async function trainUntilCtrlC(...argv: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return trainInterrupted((out) => out.includes('epoch   2 '), ...argv);
}

/** `senn train ARGV` as a user runs it (the built command), interrupted by one Ctrl-C once what it printed meets `when`. */
export async function trainInterrupted(when: (out: string) => boolean, ...argv: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['bin/senn.js', 'train', ...argv]);
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => void (err += String(d)));
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      const first = !when(out);
      out += String(d);
      if (first && when(out)) child.kill('SIGINT');
    });
    child.on('exit', (c) => resolve(c));
  });
  return { code, out, err };
}
