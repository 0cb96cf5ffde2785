import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The TypeScript code blocks of the README, in order. */
function readmeBlocks(): string[] {
  return [...readFileSync('README.md', 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** An example file without its first comment line. */
const example = (path: string) => readFileSync(path, 'utf8').split('\n').slice(1).join('\n');

describe('README', () => {
  it('shows the browser and Node examples exactly as typechecked in examples/', () => {
    const blocks = readmeBlocks();
    expect(blocks[0]).toBe(example('examples/readme-browser.ts'));
    expect(blocks[1]).toBe(example('examples/readme-node.ts'));
  });

  it('starts with the two commands: the main job and the tests', () => {
    const commands = readFileSync('README.md', 'utf8').split('```sh\n')[1]!.split('```')[0]!;
    expect(commands).toMatch(/npm run train -- --dataset mnist .*--expand/);
    expect(commands).toMatch(/npm test/);
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/npm test/);
  });
});
