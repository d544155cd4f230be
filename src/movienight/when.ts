import * as chrono from 'chrono-node';

/** Why a `when` could not be used; the message is the member's reply. */
export class WhenError extends Error {
  override name = 'WhenError';
}

/** Minutes east of UTC of an IANA zone at one instant (daylight saving included), as chrono's reference takes it. */
export function zoneOffsetMinutes(timeZone: string, at: Date): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/**
 * Reads a movie night time ("tonight 21:00", "2026-12-05 20:30", "in 2h", "friday 8pm") in `timeZone`. The whole
 * text must be a time: "21:00 at Ana's" is refused rather than half read. A time not after `now` is refused too.
 */
export function parseWhen(text: string, timeZone: string, now: Date = new Date()): Date {
  const typed = text.trim();
  const results = chrono.parse(typed, { instant: now, timezone: zoneOffsetMinutes(timeZone, now) }, { forwardDate: true });
  const found = results.length === 1 ? results[0]! : undefined;
  if (!found || found.text.trim().toLowerCase() !== typed.toLowerCase()) {
    throw new WhenError(`I could not read "${typed.slice(0, 60)}" as a time. Try "tonight 21:00", "2026-12-05 20:30" or "in 2h" (times are ${timeZone}).`);
  }
  let at = found.date();
  // The offset is the zone's at the night's time, not now: "saturday 20:00" across a daylight saving change.
  const offsetThen = zoneOffsetMinutes(timeZone, at);
  if (offsetThen !== zoneOffsetMinutes(timeZone, now) && !/^in\b/i.test(typed)) {
    at = new Date(at.getTime() - (offsetThen - zoneOffsetMinutes(timeZone, now)) * 60_000);
  }
  if (at.getTime() <= now.getTime()) {
    throw new WhenError(`${formatWhen(at, timeZone)} is in the past. Give a time from now on, e.g. "in 2h".`);
  }
  return at;
}

/** "Sat 5 Dec, 20:30 (Europe/Berlin)" — how replies and the event show a night's time. */
export function formatWhen(at: Date, timeZone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).format(at);
  return `${text} (${timeZone})`;
}
