import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The repository explains itself: code and docs name what they rely on in words, or point at a
// file of the repository (docs/interfaces.md for the interfaces, docs/howto.md for the classic
// setup), never at a document only some readers have.

const ROOTS = [
  'src',
  'docs',
  'contrib',
  'examples',
  'lab',
  'test',
  'bench',
  'scripts',
  'README.md',
  'ARCHITECTURE.md',
  'SECURITY.md',
];

const CITATIONS: { what: string; pattern: RegExp }[] = [
  { what: 'an outside contract ("CONTRACT")', pattern: /CONTRACT/ },
  { what: 'a numbered section ("§")', pattern: /§/ },
  // The local Slack has its own seed data (src/localslack/seed.ts, "the workspace seed file"): not a citation.
  { what: 'the seed document', pattern: /\bthe seed\b(?!\s+(?:file|data))|\bseed['’]s\b/i },
  { what: 'a path under shared/', pattern: /(?<![\w.-])(?:\.\.\/|\/work\/)?shared\// },
];

// This file names the patterns it looks for.
const SELF = 'test/unit/self-contained-docs.test.ts';

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

function citations(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.flatMap((line, i) =>
    CITATIONS.filter((c) => c.pattern.test(line)).map((c) => `${file}:${i + 1}: ${c.what}: ${line.trim()}`),
  );
}

const all = ROOTS.flatMap(files);

describe('code and docs cite nothing outside the repository', () => {
  it('has no citation of CONTRACT, §, the seed or shared/ in any file', () => {
    expect(all.length).toBeGreaterThan(100);
    const found = all.filter((f) => f !== SELF).flatMap(citations);
    expect(found).toEqual([]);
  });

  it('recognises each kind of citation', () => {
    const cites = (line: string) => CITATIONS.some((c) => c.pattern.test(line));
    expect(cites('the environment (CONTRACT §2)')).toBe(true);
    expect(cites('OUTLINE §0-14')).toBe(true);
    expect(cites("mon.cf in the seed's shape")).toBe(true);
    expect(cites('as the seed’s lvs.alert did')).toBe(true);
    expect(cites('see ../shared/reference/lvs-tools.md')).toBe(true);
    expect(cites('/work/shared/seed/OUTLINE.md')).toBe(true);
    expect(cites('cannot read the seed file x.json')).toBe(false);
    expect(cites('docs/interfaces.md, "Environment"')).toBe(false);
  });
});
