/** Discord's epoch (2015-01-01T00:00:00Z); snowflakes count milliseconds from here. */
export const DISCORD_EPOCH = 1_420_070_400_000n;

/**
 * Makes Discord-style snowflake ids: timestamp in the top 42 bits, then worker, process and a counter.
 * Ids from one generator are strictly increasing even within a millisecond, so ordering by id is
 * ordering by creation, as on Discord (pagination with `before`/`after` relies on that).
 */
export class SnowflakeGenerator {
  #last = 0n;

  constructor(
    private readonly worker = 1n,
    private readonly now: () => number = Date.now,
  ) {}

  /** The next id, as the decimal string Discord sends. */
  next(): string {
    const candidate = ((BigInt(this.now()) - DISCORD_EPOCH) << 22n) | (this.worker << 17n);
    this.#last = candidate > this.#last ? candidate : this.#last + 1n;
    return this.#last.toString();
  }
}

/** The creation time encoded in a snowflake. */
export function snowflakeTime(id: string): Date {
  return new Date(Number((BigInt(id) >> 22n) + DISCORD_EPOCH));
}

/** Whether a string looks like a snowflake (a 17-20 digit decimal). */
export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && /^\d{17,20}$/.test(value);
}

/** Compares snowflakes numerically (string comparison fails across lengths). */
export function compareSnowflakes(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
