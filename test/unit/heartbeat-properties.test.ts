import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseHaLog,
  parseHaLogLine,
  parseHbLinkStatus,
  parseHbParameter,
  parseHbStatus,
  parseHbStatusVerbose,
  parseListNodes,
  parseNodeStatus,
  parseRscStatus,
} from '../../src/core/heartbeat/index.js';
import { anyText } from '../support/any-text.js';
import { HA_LOGS, heartbeatFixture } from './heartbeat-fixtures.js';
import { fixtureMutation } from './ipvs-fixture-mutation.js';

const LOGS = HA_LOGS.map(heartbeatFixture);
const CL_STATUS = [
  parseHbStatus,
  parseHbStatusVerbose,
  parseRscStatus,
  parseListNodes,
  parseNodeStatus,
  parseHbLinkStatus,
  parseHbParameter,
];

describe('heartbeat parsers on input they did not expect', () => {
  it('type any string as a line or an error, never throwing, for any reference date', () => {
    fc.assert(
      fc.property(anyText(200), fc.date({ noInvalidDate: true }), (text, reference) => {
        const r = parseHaLogLine(text, { reference });
        if (!r.ok) expect(typeof r.error.code).toBe('string');
        const all = parseHaLog(text, { reference });
        expect(all.lines.length + all.errors.length).toBeLessThanOrEqual(text.split('\n').length);
      }),
      { numRuns: 500 },
    );
  });

  it('type every line of randomly edited real logs, never throwing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LOGS), fixtureMutation(), (log, mutate) => {
        const r = parseHaLog(mutate(log), { reference: new Date('2026-11-26T00:00:00Z') });
        for (const l of r.lines) expect(typeof l.event.kind).toBe('string');
        for (const e of r.errors) expect(e.line).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('keep the syslog-format year within a year before the reference', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01Z'), max: new Date('2100-01-01Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: 1, max: 28 }),
        (reference, month, day) => {
          const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][
            month
          ]!;
          const r = parseHaLogLine(`${mon} ${day} 12:00:00 lb1 heartbeat: [1]: info: x`, { reference });
          expect(r.ok).toBe(true);
          if (r.ok) {
            const year = Number(r.value.time.slice(0, 4));
            expect([reference.getUTCFullYear(), reference.getUTCFullYear() - 1]).toContain(year);
            const at = Date.parse(`${r.value.time}Z`);
            expect(at - reference.getTime()).toBeLessThanOrEqual(2 * 86_400_000);
          }
        },
      ),
    );
  });

  it('answer cl_status parsers with a typed result for any output, never throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 100 }), (stdout, stderr) => {
        for (const parse of CL_STATUS) {
          const r = parse({ stdout, stderr, exitCode: 1 });
          if (!r.ok) expect(typeof r.error.message).toBe('string');
        }
      }),
    );
  });
});
