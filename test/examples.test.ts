import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Runs the example as a user would (against the build, imported as 'senn/node').
describe('examples', () => {
  it('custom-policy.mjs grows the network with a policy of its own', () => {
    const out = execFileSync(process.execPath, ['examples/custom-policy.mjs'], { env: { ...process.env, EPOCHS: '12' }, encoding: 'utf8' });
    const lines = out.split('\n').filter((l) => l.startsWith('epoch'));
    expect(lines).toHaveLength(12);
    expect(out).toMatch(/\+\d+ split/);
  });
});
