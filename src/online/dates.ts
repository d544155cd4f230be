import * as chrono from 'chrono-node';
import { InputError } from '../lib/input-error.ts';
import { DAY_MS, type DateRange } from './measures.ts';

/** How far back a report reaches when no start is given. */
export const DEFAULT_REPORT_DAYS = 30;

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An ISO date ("2026-11-30", UTC midnight) or date-time ("2026-11-30T12:00Z"; without an offset, UTC). A date
 * that does not exist (2026-02-30) or any other text is an InputError naming `field`.
 */
export function parseIsoDate(text: string, field: string): Date {
  const typed = text.trim();
  const iso = ISO_DAY.test(typed) ? `${typed}T00:00:00Z` : ISO_TIME.test(typed) ? (/(Z|[+-]\d{2}:?\d{2})$/.test(typed) ? typed : `${typed}Z`).replace(' ', 'T') : undefined;
  const at = iso === undefined ? undefined : new Date(iso);
  // new Date rolls 2026-02-30 over to March: refuse a day that changed on the way.
  if (!at || Number.isNaN(at.getTime()) || (ISO_DAY.test(typed) && at.toISOString().slice(0, 10) !== typed)) {
    throw new InputError(`${field} must be an ISO date such as 2026-11-30 or 2026-11-30T12:00:00Z; got "${typed.slice(0, 40)}".`, field);
  }
  return at;
}

/** An ISO date, or words chrono-node reads ("7 days ago", "last monday", "yesterday"), as of `now` in UTC. */
export function parseReportDate(text: string, field: string, now: Date = new Date()): Date {
  try {
    return parseIsoDate(text, field);
  } catch {
    const found = chrono.parse(text.trim(), { instant: now, timezone: 0 });
    if (found.length === 1 && found[0]!.text.trim().toLowerCase() === text.trim().toLowerCase()) return found[0]!.date();
    throw new InputError(`${field} must be an ISO date (2026-11-30) or words such as "7 days ago"; got "${text.trim().slice(0, 40)}".`, field);
  }
}

/** [since, until): until defaults to now, since to {@link DEFAULT_REPORT_DAYS} days before until; since must come first. */
export function reportRange(since: Date | undefined, until: Date | undefined, now: Date = new Date()): DateRange {
  const end = until ?? now;
  const start = since ?? new Date(end.getTime() - DEFAULT_REPORT_DAYS * DAY_MS);
  if (!(start < end)) throw new InputError(`since (${start.toISOString()}) must be before until (${end.toISOString()}).`, 'since');
  return { since: start, until: end };
}
