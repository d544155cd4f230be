/**
 * A request value a person chose that the domain cannot serve (a count out of range, an unknown genre, a
 * malformed reference). The message says what was wrong and what to do, so the edges show it as is: the
 * CLI maps it to its one-line user error, the bot to a member-facing reply. A RangeError stays a bug.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    message: string,
    /** The option the value came from, e.g. "count" or "genre". */
    readonly field?: string,
  ) {
    super(message);
  }
}
