/** A Discord-style API error: HTTP status plus the JSON error body `{ code, message, errors? }`. */
export class DiscordApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }

  toJSON(): Record<string, unknown> {
    return this.errors === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, errors: this.errors };
  }
}

export const unknownMessage = () => new DiscordApiError(404, 10008, 'Unknown Message');
export const unknownChannel = () => new DiscordApiError(404, 10003, 'Unknown Channel');
export const unknownGuild = () => new DiscordApiError(404, 10004, 'Unknown Guild');
export const unknownMember = () => new DiscordApiError(404, 10007, 'Unknown Member');
export const unknownUser = () => new DiscordApiError(404, 10013, 'Unknown User');
export const unknownEmoji = () => new DiscordApiError(400, 10014, 'Unknown Emoji');
export const unknownWebhook = () => new DiscordApiError(404, 10015, 'Unknown Webhook');
export const unknownInteraction = () => new DiscordApiError(404, 10062, 'Unknown interaction');
export const unknownCommand = () => new DiscordApiError(404, 10063, 'Unknown application command');
export const unknownCommandPermissions = () => new DiscordApiError(404, 10066, 'Unknown application command permissions');
/** What Discord answers for a channel (or anything in it) the bot cannot view. */
export const missingAccess = () => new DiscordApiError(403, 50001, 'Missing Access');
export const missingPermissions = () => new DiscordApiError(403, 50013, 'Missing Permissions');
export const alreadyAcknowledged = () => new DiscordApiError(400, 40060, 'Interaction has already been acknowledged.');
export const emptyMessage = () => new DiscordApiError(400, 50006, 'Cannot send an empty message');

/** 50035 Invalid Form Body with Discord's nested `errors` shape for one field path like `embeds.0.title`. */
export function invalidFormBody(path: string, code: string, message: string): DiscordApiError {
  const errors: Record<string, unknown> = {};
  let node = errors;
  const parts = path.split('.');
  parts.forEach((part, index) => {
    if (index === parts.length - 1) node[part] = { _errors: [{ code, message }] };
    else {
      const next: Record<string, unknown> = {};
      node[part] = next;
      node = next;
    }
  });
  return new DiscordApiError(400, 50035, 'Invalid Form Body', errors);
}
