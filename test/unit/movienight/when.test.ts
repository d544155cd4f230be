import { describe, expect, it } from 'vitest';
import { formatWhen, parseWhen, WhenError, zoneOffsetMinutes } from '../../../src/movienight/when.ts';

const now = new Date('2026-12-02T19:40:00Z');

describe('parseWhen', () => {
  it('reads the documented forms in the configured zone', () => {
    expect(parseWhen('tonight 21:00', 'UTC', now).toISOString()).toBe('2026-12-02T21:00:00.000Z');
    expect(parseWhen('tonight 21:00', 'Europe/Berlin', now).toISOString()).toBe('2026-12-02T20:00:00.000Z');
    expect(parseWhen('2026-12-05 20:30', 'America/New_York', now).toISOString()).toBe('2026-12-06T01:30:00.000Z');
    expect(parseWhen('in 2h', 'Asia/Tokyo', now).toISOString()).toBe('2026-12-02T21:40:00.000Z');
  });

  it('counts daylight saving in the zone offset', () => {
    expect(zoneOffsetMinutes('Europe/Berlin', new Date('2026-07-01T12:00:00Z'))).toBe(120);
    expect(zoneOffsetMinutes('Europe/Berlin', now)).toBe(60);
    expect(zoneOffsetMinutes('UTC', now)).toBe(0);
  });

  it('refuses text that is not (only) a time, and times in the past, with what to type instead', () => {
    expect(() => parseWhen('banana', 'UTC', now)).toThrow(/could not read "banana" as a time\. Try "tonight 21:00"/);
    expect(() => parseWhen('21:00 at Ana’s place', 'UTC', now)).toThrow(WhenError);
    expect(() => parseWhen('yesterday 20:00', 'UTC', now)).toThrow(/is in the past/);
    expect(() => parseWhen('2020-01-01 20:00', 'UTC', now)).toThrow(/is in the past/);
  });

  it('formats a time with its zone', () => {
    expect(formatWhen(new Date('2026-12-05T19:30:00Z'), 'UTC')).toBe('Sat 5 Dec, 19:30 (UTC)');
  });
});

describe('parseWhen across a daylight saving change', () => {
  it('reads a wall-clock time in the offset of that day', () => {
    // 2026-03-29 Berlin moves from +01:00 to +02:00.
    const before = new Date('2026-03-27T12:00:00Z');
    expect(parseWhen('2026-03-30 20:00', 'Europe/Berlin', before).toISOString()).toBe('2026-03-30T18:00:00.000Z');
  });
});
