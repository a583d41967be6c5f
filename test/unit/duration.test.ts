import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/core/duration.js';
import { anyText } from '../support/any-text.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['4h', 14_400_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    [' 15m ', 900_000],
    ['0s', 0],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: ms });
  });

  it.each([
    ['30', /'30' has no unit; write 30s, 30m/],
    ['', /an empty duration/],
    ['ten minutes', /is not a duration/],
    ['1.5h', /is not a duration/],
    ['-5s', /is not a duration/],
    ['5 s', /is not a duration/],
    ['5S', /is not a duration/],
    ['1w', /is not a duration/],
    ['30m1h', /largest first/],
    ['1m1m', /largest first/],
    ['99999999999999999999d', /too long/],
  ])('refuses %j with a message saying how to write one', (text, message) => {
    const result = parseDuration(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('DURATION_INVALID');
      expect(result.error.message).toMatch(message);
    }
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(anyText(10), (text) => {
        const result = parseDuration(text);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [500, '500ms'],
    [30_000, '30s'],
    [900_000, '15m'],
    [5_400_000, '1h30m'],
    [86_400_000, '1d'],
    [90_061_001, '1d1h1m1s1ms'],
    [0, '0s'],
  ])('writes %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('writes what parseDuration reads back to the same milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, value: ms });
      }),
    );
  });
});
