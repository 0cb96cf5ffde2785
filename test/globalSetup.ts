// Every test run gets a temporary directory of its own (TMPDIR, which the test processes and
// the programs they start inherit), and the run fails if anything is left in it at the end:
// a test that writes a temporary file removes it, so runs do not fill the machine's /tmp.
// Not a test's file: Node's module compile cache, which TypeScript's tsc (run by a test) turns
// on where Node has one (22.1 and later) in TMPDIR's `node-compile-cache`; it goes with the
// directory like the rest.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What Node itself keeps in TMPDIR (see above). */
const NODE_OWN = ['node-compile-cache'];

export default function setup(): () => void {
  // Both projects name this file: where one run holds both, the first one's directory serves.
  if (process.env.SENN_TEST_TMPDIR !== undefined) return () => {};
  const dir = mkdtempSync(join(tmpdir(), 'senn-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = process.env.SENN_TEST_TMPDIR = dir;
  return () => {
    delete process.env.SENN_TEST_TMPDIR;
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const left = readdirSync(dir).filter((name) => !NODE_OWN.includes(name));
    rmSync(dir, { recursive: true, force: true });
    if (left.length === 0) return;
    // vitest prints a teardown's error but exits 0 for it: the exit code says it.
    process.exitCode = 1;
    throw new Error(`the tests left ${left.length} entries in their temporary directory: ${left.join(', ')}`);
  };
}
