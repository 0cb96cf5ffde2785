// The README's code blocks, read as a reader copies them.
import { readFileSync } from 'node:fs';

/** One fenced code block of the README: its language, its code and the README line its code starts on. */
export interface ReadmeBlock {
  lang: string;
  code: string;
  line: number;
}

/** The README's fenced code blocks in `langs`, in order. */
export function readmeBlocks(langs: readonly string[], path = 'README.md'): ReadmeBlock[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/^```(\w+)\n([\s\S]*?)^```/gm)]
    .filter((m) => langs.includes(m[1]!))
    .map((m) => ({ lang: m[1]!, code: m[2]!, line: text.slice(0, m.index).split('\n').length + 1 }));
}

/** A block's `import … from '…'` lines, and the rest of its code (the imports' lines left blank, so lines keep their numbers). */
export function splitImports(code: string): { imports: string[]; body: string } {
  const imports: string[] = [];
  const body = code
    .split('\n')
    .map((l) => (/^import\s.*\sfrom\s+'[^']+';/.test(l) ? (imports.push(l), '') : l))
    .join('\n');
  return { imports, body };
}

/** The names a block declares at its top level (`const a = …`, `const { a, b } = …`, `const a = …, b = …`), to hand its results back. */
export function topLevelNames(body: string): string[] {
  const names: string[] = [];
  for (const m of body.matchAll(/^(?:const|let)\s+(.*)$/gm)) {
    const declaration = m[1]!;
    const destructured = /^[{[]([^}\]]*)[}\]]/.exec(declaration);
    if (destructured) names.push(...destructured[1]!.split(',').map((n) => n.split(':').at(-1)!.trim()).filter(Boolean));
    else names.push(...[...declaration.matchAll(/(?:^|,\s*)([A-Za-z_$][\w$]*)\s*=/g)].map((d) => d[1]!));
  }
  return names;
}

/**
 * What a block's comments say its `console.log` calls print: for each commented call, its
 * line and the comment. A comment that names the data it holds for ("on MNIST") or calls itself
 * an example ("e.g.") makes no claim.
 */
export function printClaims(body: string): { line: number; claim: string | null }[] {
  return body.split('\n').flatMap((l, i) => {
    const m = /console\.log\(.*\);\s*\/\/\s*(.*)$/.exec(l);
    if (!m) return [];
    return [{ line: i, claim: /\bon MNIST\b|\be\.g\./.test(m[1]!) ? null : m[1]! }];
  });
}
