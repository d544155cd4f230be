import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/lib/input-error.ts';
import { parseIsoDate, parseReportDate, reportRange } from '../../../src/online/dates.ts';

const NOW = new Date('2026-12-03T15:00:00Z');

describe('report dates', () => {
  it('ISO days are UTC midnight; date-times without an offset are UTC', () => {
    expect(parseIsoDate('2026-11-30', 'since').toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(parseIsoDate('2026-11-30T12:30', 'since').toISOString()).toBe('2026-11-30T12:30:00.000Z');
    expect(parseIsoDate('2026-11-30 12:30:05', 'since').toISOString()).toBe('2026-11-30T12:30:05.000Z');
    expect(parseIsoDate('2026-11-30T12:30:00+02:00', 'since').toISOString()).toBe('2026-11-30T10:30:00.000Z');
  });

  it('refuses days that do not exist and other text, naming the field', () => {
    for (const text of ['2026-02-30', '2026-13-01', 'yesterday', '', "1'; --", '30/11/2026']) {
      const error = (() => {
        try {
          parseIsoDate(text, 'until');
        } catch (e) {
          return e;
        }
      })();
      expect(error, text).toBeInstanceOf(InputError);
      expect((error as InputError).field).toBe('until');
    }
  });

  it('the CLI also reads words, as of now in UTC; the whole text must be a date', () => {
    expect(parseReportDate('7 days ago', 'since', NOW).toISOString().slice(0, 10)).toBe('2026-11-26');
    expect(parseReportDate('2026-11-01', 'since', NOW).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(() => parseReportDate('7 days ago please', 'since', NOW)).toThrow(/since must be an ISO date/);
    expect(() => parseReportDate('banana', 'until', NOW)).toThrow(/until must be/);
  });

  it('range defaults: until now, since 30 days earlier; since must come first', () => {
    expect(reportRange(undefined, undefined, NOW)).toEqual({ since: new Date('2026-11-03T15:00:00Z'), until: NOW });
    expect(() => reportRange(NOW, NOW, NOW)).toThrow(/since .* must be before until/);
  });
});
