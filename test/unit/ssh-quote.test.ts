import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgvError } from '../../src/ssh/errors/invalid-argv-error.js';
import { displayArgv, MAX_COMMAND_BYTES, quoteArg, quoteArgv } from '../../src/ssh/quote.js';

/** A POSIX shell's reading of a line made only of single-quoted words, `\'` and blanks. */
function readBack(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated quote');
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === '\\') {
      word = (word ?? '') + line[i + 1];
      i++;
    } else {
      throw new Error(`unquoted ${JSON.stringify(ch)} at ${i}`);
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

describe('quoteArgv', () => {
  it('wraps every argument, the program too, in single quotes', () => {
    expect(quoteArgv(['ipvsadm', '-L', '-n'])).toBe("'ipvsadm' '-L' '-n'");
  });

  it("writes a single quote as '\\''", () => {
    expect(quoteArg("it's")).toBe("'it'\\''s'");
  });

  it('keeps an empty argument as an empty word', () => {
    expect(readBack(quoteArgv(['printf', '%s', '']))).toEqual(['printf', '%s', '']);
  });

  it('leaves no character outside quotes except blanks and escaped quotes', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 6 }), (args) => {
        const argv = ['printf', ...args];
        expect(readBack(quoteArgv(argv))).toEqual(argv);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a NUL byte, which no shell can pass', () => {
    expect(() => quoteArgv(['echo', 'a\0b'])).toThrow(InvalidArgvError);
  });

  it('refuses a lone UTF-16 surrogate, which would arrive as U+FFFD', () => {
    expect(() => quoteArgv(['echo', 'a\uD800b'])).toThrow(/not valid Unicode/);
    expect(quoteArgv(['echo', '😀'])).toBe("'echo' '😀'");
  });

  it('refuses an empty argv and an empty program name', () => {
    expect(() => quoteArgv([])).toThrow(/argv is empty/);
    expect(() => quoteArgv(['', 'x'])).toThrow(/program name/);
  });

  it('refuses a command line longer than the remote shell accepts', () => {
    const fits = 'x'.repeat(MAX_COMMAND_BYTES - "'printf' '%s' ''".length);
    expect(Buffer.byteLength(quoteArgv(['printf', '%s', fits]))).toBe(MAX_COMMAND_BYTES);
    expect(() => quoteArgv(['printf', '%s', `${fits}x`])).toThrow(/Pass large data on stdin/);
  });
});

describe('displayArgv', () => {
  it('shows plain words as they are and quotes the rest', () => {
    expect(displayArgv(['ipvsadm', '-d', '-t', '10.0.0.1:80', 'a b'])).toBe(
      'ipvsadm -d -t 10.0.0.1:80 "a b"',
    );
  });

  it('cuts very long arguments', () => {
    expect(displayArgv(['x'.repeat(1000)])).toMatch(/…\(1000 chars\)$/);
  });
});
