import { readdirSync, readFileSync } from 'node:fs';

const DIR = new URL('../fixtures/ipvsadm/', import.meta.url);

/** A file captured from a real director by scripts/capture-fixtures.sh. */
export function ipvsFixture(name: string): string {
  return readFileSync(new URL(name, DIR), 'utf8');
}

export interface ErrorCase {
  name: string;
  argv: string[];
  stderr: string;
  exitCode: number;
}

/** Every captured error case: the argv that ran, its stderr and exit code. */
export function ipvsErrorCases(): ErrorCase[] {
  const dir = new URL('errors/', DIR);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.exit'))
    .map((f) => f.slice(0, -'.exit'.length))
    .sort()
    .map((name) => ({
      name,
      argv: readFileSync(new URL(`${name}.argv`, dir), 'utf8')
        .trimEnd()
        .split('\n'),
      stderr: readFileSync(new URL(`${name}.stderr`, dir), 'utf8'),
      exitCode: Number(readFileSync(new URL(`${name}.exit`, dir), 'utf8').trim()),
    }));
}

export function ipvsErrorCase(name: string): ErrorCase {
  const found = ipvsErrorCases().find((c) => c.name === name);
  if (!found) throw new Error(`no captured error case ${name}`);
  return found;
}
