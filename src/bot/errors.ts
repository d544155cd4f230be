import type { TitleSummary } from './ports.ts';
import { displayTitle, quoteUserText } from './messages.ts';

/** A problem the member can fix; its message is shown to them as is (ephemeral). */
export class UserFacingError extends Error {
  override name = 'UserFacingError';
}

/** A title option that matched nothing exactly; the message lists the closest matches. */
export class UnknownTitleError extends UserFacingError {
  override name = 'UnknownTitleError';
  constructor(
    readonly query: string,
    readonly closest: readonly TitleSummary[],
  ) {
    super(
      closest.length > 0
        ? `No title matches "${quoteUserText(query, 80)}" exactly. Closest matches: ${closest.map(displayTitle).join('; ')}. Pick one from the autocomplete list.`
        : `No title matches "${quoteUserText(query, 80)}". Check the spelling, or start typing and pick from the autocomplete list.`,
    );
  }
}
