import { describe, expect, it } from 'vitest';
import { confusionLines, perClassLines } from '../../src/cli/classReport.js';
import { confusionMatrix } from '../../src/train/classify.js';
import { FASHION_MNIST_CLASSES } from '../../src/data/idx.js';

describe("senn eval's class-by-class report", () => {
  it("gives each class's accuracy, within 112 columns a line, and the three most frequent confusions", () => {
    const truth = [0, 0, 0, 1, 1, 2, 2, 2, 2, 11];
    const answers = [0, 1, 1, 1, 2, 2, 0, 0, 0, 11];
    const names = Array.from({ length: 12 }, (_, c) => `c${c}`);
    const lines = perClassLines(confusionMatrix(truth, answers, 12), names);
    expect(lines).toEqual([
      'per class     c0 33.3%  c1 50.0%  c2 25.0%  c3 —  c4 —  c5 —  c6 —  c7 —  c8 —  c9 —  c10 —  c11 100.0%',
      'most confused c2 taken for c0 in 3 rows, c0 taken for c1 in 2 rows, c1 taken for c2 in 1 row',
    ]);
    expect(perClassLines(confusionMatrix([0, 1], [0, 1], 2), ['no', 'yes']).at(-1)).toBe('most confused none: every row answered right');
    // Fashion-MNIST's names: two lines, each class once.
    const t = Array.from({ length: 100 }, (_, i) => i % 10);
    const fashion = perClassLines(confusionMatrix(t, t, 10), FASHION_MNIST_CLASSES).slice(0, -1);
    expect(fashion).toHaveLength(2);
    expect(fashion.every((l) => l.length <= 112)).toBe(true);
    // Ten digits' classes on one line, however well answered.
    expect(perClassLines(confusionMatrix(t, t.map((v) => (v + 1) % 10), 10), t.slice(0, 10).map(String))[0]).toMatch(/^per class {5}0 0\.0%  1 0\.0% .* 9 0\.0%$/);
    expect(perClassLines(confusionMatrix(t, t, 10), t.slice(0, 10).map(String))[0]).toMatch(/  9 100\.0%$/);
    for (const name of FASHION_MNIST_CLASSES) expect(fashion.join('\n').split(` ${name} 100.0%`).length - 1, name).toBe(1);
  });

  it('prints the matrix with true classes down and answers across, aligned; names wider than the counts head the rows beside numbers', () => {
    const m = confusionMatrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 1], 2);
    expect(confusionLines(m, ['0', '1'])).toEqual(['confusion     true class down, answered class across', '    0 1', '  0 1 1', '  1 0 3']);
    expect(confusionLines(m, ['cat', 'dog'])).toEqual(['confusion     true class down, answered class across (by number)', '        0 1', '  0 cat 1 1', '  1 dog 0 3']);
    const wide = confusionMatrix([...Array(120).fill(0), 1], [...Array(120).fill(0), 1], 2);
    expect(confusionLines(wide, ['ab', 'c'])).toEqual(['confusion     true class down, answered class across', '      ab   c', '  ab 120   0', '  c    0   1']);
    // 400 classes: 160,000 counts, past what one spread call takes (a RangeError before).
    const many = Array.from({ length: 400 }, (_, c) => c);
    const big = confusionLines(confusionMatrix(many, many.map((c) => (c * 7) % 400), 400), many.map(String));
    expect(big).toHaveLength(402);
    // Names wider than the counts: rows headed "c name", 7 wide; each cell 4 wide ("399" and a space).
    expect(big[2]).toBe(`  ${'0 0'.padEnd(7)}   1${'   0'.repeat(399)}`);
    expect(big[3]!.slice(9 + 4 * 7, 9 + 4 * 8)).toBe('   1');
    expect(big.slice(2).every((l) => l.length === big[1]!.length)).toBe(true);
  });
});
