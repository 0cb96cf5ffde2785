import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The TypeScript code blocks of the README, in order. */
function readmeBlocks(): string[] {
  return [...readFileSync('README.md', 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** An example file without its first comment line. */
const example = (path: string) => readFileSync(path, 'utf8').split('\n').slice(1).join('\n');

describe('README', () => {
  it('shows the browser, Node and CSV examples exactly as typechecked in examples/', () => {
    const blocks = readmeBlocks();
    expect(blocks.slice(0, 3)).toEqual(['readme-browser.ts', 'readme-csv.ts', 'readme-node.ts'].map((f) => example(`examples/${f}`)));
  });

  it('starts with the two commands: the main job and the tests', () => {
    const commands = readFileSync('README.md', 'utf8').split('```sh\n')[1]!.split('```')[0]!;
    expect(commands).toMatch(/npm run train -- --dataset mnist .*--expand/);
    expect(commands).toMatch(/npm test/);
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/npm test/);
  });
});

/** Every file under `dir`, as paths relative to it. */
function files(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name), root) : [relative(root, join(dir, d.name))]));
}

describe('API docs', () => {
  it('docs/api is what typedoc generates from the current TSDoc, without a warning (a dead link fails; run "npm run docs" after API changes)', () => {
    const out = mkdtempSync(join(tmpdir(), 'senn-docs-'));
    const run = spawnSync('npx', ['typedoc', '--out', out, '--logLevel', 'Warn'], { encoding: 'utf8' });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    const generated = files(out).sort();
    expect(generated).toEqual(files('docs/api').sort());
    for (const file of generated) expect(readFileSync(join(out, file), 'utf8'), file).toBe(readFileSync(join('docs/api', file), 'utf8'));
  }, 120_000);
});
