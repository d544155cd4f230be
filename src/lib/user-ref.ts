/**
 * A user as people type or paste one: a database id (`42`), a Discord member (`discord:<snowflake>` or the
 * bare snowflake, as Discord's "Copy User ID" gives it) a MovieLens user (`movielens:<id>`) or a Goodbooks-10k reader (`goodbooks:<id>`), both imported dataset users.
 */
import { InputError } from './input-error.ts';

export type UserRef =
  | { kind: 'id'; id: number }
  | { kind: 'discord'; snowflake: string }
  | { kind: 'movielens'; externalId: string }
  /** externalId as stored: `goodbooks:<user_id>` (so readers never meet MovieLens users of the same number). */
  | { kind: 'goodbooks'; externalId: string };

/** A reference that cannot name any user; the message says what is accepted. */
export class UserRefError extends InputError {
  override name = 'UserRefError';
}

/** Database ids are PostgreSQL `integer`s. */
export const MAX_DATABASE_ID = 2_147_483_647;
const SNOWFLAKE = /^\d{17,20}$/;

/** Reads a {@link UserRef}; throws {@link UserRefError} naming the accepted forms. */
export function parseUserRef(text: string): UserRef {
  const value = text.trim();
  const prefixed = /^(discord|movielens|goodbooks):(\d+)$/i.exec(value);
  if (prefixed) {
    const [, kind, digits] = prefixed as unknown as [string, string, string];
    const number = digits.replace(/^0+(?=\d)/, '');
    if (kind.toLowerCase() === 'movielens') return { kind: 'movielens', externalId: number };
    if (kind.toLowerCase() === 'goodbooks') return { kind: 'goodbooks', externalId: `goodbooks:${number}` };
    if (SNOWFLAKE.test(digits)) return { kind: 'discord', snowflake: digits };
    throw new UserRefError(`"${value.slice(0, 60)}" is not a Discord id: a snowflake has 17 to 20 digits.`);
  }
  if (SNOWFLAKE.test(value)) return { kind: 'discord', snowflake: value };
  if (/^\d+$/.test(value)) {
    const id = Number(value);
    if (id >= 1 && id <= MAX_DATABASE_ID) return { kind: 'id', id };
    throw new UserRefError(`"${value.slice(0, 60)}" is neither a database id (1 to ${MAX_DATABASE_ID}) nor a Discord id (17 to 20 digits).`);
  }
  throw new UserRefError(`"${value.slice(0, 60)}" is not a user: give a database id (42), a Discord id (123456789012345678 or discord:123456789012345678) movielens:<id> or goodbooks:<id>.`);
}

/** "No such user", naming what `text` was looked up as. */
export function userNotFoundMessage(text: string, ref: UserRef): string {
  if (ref.kind === 'id') return `No user with database id ${ref.id}.`;
  if (ref.kind === 'movielens') return `No MovieLens user ${ref.externalId} (movielens:${ref.externalId}).`;
  if (ref.kind === 'goodbooks') return `No Goodbooks-10k reader ${ref.externalId.slice('goodbooks:'.length)} (${ref.externalId}).`;
  if (text.trim().toLowerCase().startsWith('discord:')) return `No Discord member discord:${ref.snowflake} is stored.`;
  return `No user ${ref.snowflake}: looked for the Discord member discord:${ref.snowflake} (17 to 20 digits are a Discord id; database ids are 1 to ${MAX_DATABASE_ID}).`;
}

/** The Prisma `where` that finds the user a reference names. */
export function userWhere(ref: UserRef): { id: number } | { source_externalId: { source: 'discord' | 'dataset'; externalId: string } } {
  if (ref.kind === 'id') return { id: ref.id };
  if (ref.kind === 'discord') return { source_externalId: { source: 'discord', externalId: ref.snowflake } };
  return { source_externalId: { source: 'dataset', externalId: ref.externalId } };
}
