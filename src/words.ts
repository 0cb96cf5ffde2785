// Counts in the sentences people read (the command line's, the demo's): "1 edge", "2 edges", "24,576 edges".

const englishPlural = new Intl.PluralRules('en-US');

/** `n` (with thousands separators) and the noun in the form its count takes: "1 epoch", "12 epochs". */
export function counted(n: number, noun: string, nounPlural = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${englishPlural.select(n) === 'one' ? noun : nounPlural}`;
}
