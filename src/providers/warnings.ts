/**
 * One warning per provider per minute: when a provider is down or slow, every search that falls back to the
 * local catalogue would otherwise log the same failure. The rest are counted and reported with the next warning.
 */
import type { Logger } from '../log.ts';
import type { ProviderError } from './http.ts';
import type { ProviderName } from './types.ts';

export class ProviderWarnings {
  private readonly last = new Map<ProviderName, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Pick<Logger, 'warn'>,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs the failure unless this provider had a warning within the interval; returns whether it logged. */
  warn(error: ProviderError): boolean {
    const now = this.now();
    const seen = this.last.get(error.provider);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return false;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(error.provider, { at: now, suppressed: 0 });
    this.log.warn({ provider: error.provider, failure: error.failure, suppressed }, `${error.message} Answering from the local catalogue.`);
    return true;
  }
}
