import fc from 'fast-check';

/**
 * Random edits of a captured fixture: cut, insert, duplicate or swap lines, drop in a token
 * that parsers treat specially. Shared by the ipvs, heartbeat and mon property tests.
 */
export function fixtureMutation(): fc.Arbitrary<(text: string) => string> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('cut'), at: fc.nat(), len: fc.nat({ max: 40 }) }),
    fc.record({ kind: fc.constant('insert'), at: fc.nat(), text: fc.string({ maxLength: 12 }) }),
    fc.record({ kind: fc.constant('dupline'), at: fc.nat() }),
    fc.record({ kind: fc.constant('swaplines'), at: fc.nat(), to: fc.nat() }),
    fc.record({
      kind: fc.constant('token'),
      at: fc.nat(),
      text: fc.constantFrom(
        '',
        '-',
        '0',
        '99999999999999999999999',
        'K',
        '[',
        ']',
        ':',
        'ipv6',
        '->',
        '\t',
        '\r',
      ),
    }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => (input: string) => {
    let text = input;
    for (const e of edits) {
      const at = text.length === 0 ? 0 : e.at % text.length;
      if (e.kind === 'cut') text = text.slice(0, at) + text.slice(at + e.len);
      else if (e.kind === 'insert' || e.kind === 'token') text = text.slice(0, at) + e.text + text.slice(at);
      else {
        const lines = text.split('\n');
        const i = e.at % lines.length;
        if (e.kind === 'dupline') lines.splice(i, 0, lines[i]!);
        else {
          const j = e.to % lines.length;
          [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        }
        text = lines.join('\n');
      }
    }
    return text;
  });
}
