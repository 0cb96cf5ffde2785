import { describe, expect, it } from 'vitest';
import { growthWords } from '../src/cli/info.js';
import { counted } from '../src/words.js';

describe('counts in the command line’s sentences', () => {
  it('take the noun’s singular for one and its plural otherwise, with thousands separators', () => {
    expect(counted(1, 'edge')).toBe('1 edge');
    expect(counted(0, 'edge')).toBe('0 edges');
    expect(counted(2, 'epoch')).toBe('2 epochs');
    expect(counted(24_576, 'edge')).toBe('24,576 edges');
    expect(counted(3, 'child', 'children')).toBe('3 children');
  });

  it('growthWords says what a run did to its network, in the words of senn info', () => {
    const epoch = (expanded: number, pruned: number) => ({ expanded, pruned });
    expect(growthWords([epoch(0, 0), epoch(0, 0)])).toBe('no expansion, no pruning');
    expect(growthWords([epoch(1, 0), epoch(0, 0)])).toBe('1 expansion (1 edge split), 0 prunings (0 edges removed)');
    expect(growthWords([epoch(344, 0), epoch(0, 51_000), epoch(23, 624)])).toBe('2 expansions (367 edges split), 2 prunings (51,624 edges removed)');
  });
});
