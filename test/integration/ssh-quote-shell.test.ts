import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteArgv } from '../../src/ssh/quote.js';
import { NASTY } from './ssh-nasty-args.js';

/** What `shell -c LINE` hands printf, as separate arguments. */
function viaShell(shell: string, args: string[]): string[] {
  const line = quoteArgv(['printf', '%s\\0', ...args]);
  const out = spawnSync(shell, ['-c', line], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  expect(out.status, out.stderr).toBe(0);
  return out.stdout.split('\0').slice(0, -1);
}

describe.each(['/bin/sh', '/bin/bash'])('quoteArgv read by %s', (shell) => {
  it('passes every nasty argument through as exactly one argument', () => {
    expect(viaShell(shell, NASTY)).toEqual(NASTY);
  });

  it('passes random Unicode text through unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', minLength: 0, maxLength: 40 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (args) => {
          const clean = args.map((a) => a.replaceAll('\0', ''));
          expect(viaShell(shell, clean)).toEqual(clean);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('passes random bytes-as-characters (controls, quotes, backslashes) through unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.integer({ min: 1, max: 127 }).map((c) => String.fromCharCode(c)) }), {
          minLength: 1,
          maxLength: 5,
        }),
        (args) => {
          expect(viaShell(shell, args)).toEqual(args);
        },
      ),
      { numRuns: 150 },
    );
  });
});
