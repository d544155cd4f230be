import { PermissionFlagsBits, type BaseInteraction, type ChatInputCommandInteraction, type Message, type User } from 'discord.js';
import type { Member } from '../members/members.ts';
import { SUGGESTION_REACTIONS } from '../ratings/scale.ts';
import type { RatingStore } from '../ratings/store.ts';
import { UserFacingError } from './errors.ts';
import { clip, LIMITS, suggestionEmbed } from './messages.ts';
import type { SuggestionBatch } from './ports.ts';
import type { BotCatalogue } from './catalogue.ts';
import type { Logger } from '../log.ts';

/** Said under the header when the bot could not add its scale reactions (the channel's backlog was full). */
export const BUSY_CHANNEL_NOTE = `This channel is busy, so I have not added the rating reactions: react with ${SUGGESTION_REACTIONS.join(' ')} yourself to rate.`;

/** No mentions in anything the bot echoes. */
export const NO_MENTIONS = { parse: [] as never[] };

/** The rating domain's view of a Discord user. */
export function memberOf(user: Pick<User, 'id' | 'username' | 'globalName'>): Member {
  return { discordId: user.id, displayName: user.globalName ?? user.username };
}

/**
 * What the bot needs in a channel for its suggestions there to be rateable: without View Channel no
 * reaction in it reaches the bot, and adding the scale takes Read Message History and Add Reactions.
 * Posting needs none of them (follow-ups are the interaction's webhook messages).
 */
const RATEABLE_PERMISSIONS = [
  [PermissionFlagsBits.ViewChannel, 'View Channel'],
  [PermissionFlagsBits.ReadMessageHistory, 'Read Message History'],
  [PermissionFlagsBits.AddReactions, 'Add Reactions'],
] as const;

/**
 * Refuses a command that posts rateable messages in a server channel where the bot could not make them
 * rateable, before anything is posted or stored. The interaction carries the bot's permissions in its
 * channel as of now, so this needs no cache and sees overwrites changed a moment ago.
 */
export function requireRateableChannel(interaction: Pick<BaseInteraction, 'appPermissions' | 'inGuild'>): void {
  if (!interaction.inGuild()) return;
  const missing = RATEABLE_PERMISSIONS.filter(([flag]) => !interaction.appPermissions.has(flag)).map(([, name]) => `**${name}**`);
  if (missing.length === 0) return;
  const names = missing.length === 1 ? missing[0]! : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)!}`;
  throw new UserFacingError(
    `I can’t post rateable suggestions in this channel: I need the ${names} permission${missing.length === 1 ? '' : 's'} here. Ask a server admin to give tastebud ${missing.length === 1 ? 'it' : 'them'} in this channel, or run the command in another channel.`,
  );
}

/** What posting suggestions needs of the bot's context (src/bot/context.ts imports this module, not back). */
export interface SuggestionPosting {
  reserveScaleReactions(channelId: string, messageCount: number): ScaleReservation | undefined;
  ratings: Pick<RatingStore, 'recordSuggestions'>;
  /** Posters and lengths for the embeds (none: embeds without pictures). */
  catalogue?: Pick<BotCatalogue, 'media'>;
}

/**
 * Posts a batch as rateable messages: the deferred reply becomes `header`, each title is its own
 * follow-up message, recorded in `suggestions` as soon as it exists (so early reactions count), and
 * only then are the scale reactions added, message by message, so the first is rateable first.
 */
export async function postSuggestions(interaction: ChatInputCommandInteraction, ctx: SuggestionPosting, batch: SuggestionBatch, header: string): Promise<Message[]> {
  // Decided before anything is posted, so the header says it from the start (and costs no second edit).
  const scale = ctx.reserveScaleReactions(interaction.channelId ?? interaction.id, batch.titles.length);
  try {
    await interaction.editReply({ content: scale ? header : clip(`${header}\n${BUSY_CHANNEL_NOTE}`, LIMITS.content), allowedMentions: NO_MENTIONS });
    const member = memberOf(interaction.user);
    const messages: Message[] = [];
    const total = batch.titles.length;
    // Posters and lengths are extras: a failure to read them costs the pictures, not the suggestions.
    const media = await ctx.catalogue?.media(batch.titles.map((t) => t.id)).catch(() => undefined);
    for (const [i, title] of batch.titles.entries()) {
      const message = await interaction.followUp({ embeds: [suggestionEmbed(title, i + 1, total, media?.get(title.id))], allowedMentions: NO_MENTIONS });
      messages.push(message);
      await ctx.ratings.recordSuggestions(member, [
        {
          messageId: message.id,
          channelId: message.channelId,
          guildId: interaction.guildId,
          titleId: title.id,
          position: i,
          modelVersionId: batch.modelVersionId,
          reason: title.reason,
          latencyMs: batch.latencyMs ?? null,
        },
      ]);
    }
    await scale?.add(messages);
    return messages;
  } finally {
    scale?.release();
  }
}

/**
 * Scale reactions waiting to be added, per channel. Discord adds one channel's reactions one after
 * another (about four a second), so when suggestions are asked for faster than that the reactions
 * would queue without end, each command, its messages and its interaction held until its turn, and
 * suggestions would become rateable later and later. Past `limit` waiting in a channel, new
 * suggestions go out without the bot's scale instead: members can still add the emoji themselves.
 */
export class ScaleReactionBacklog {
  private readonly waiting = new Map<string, number>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`The scale reaction backlog must be a positive whole number; got ${limit}.`);
  }

  /** Takes `count` places in the channel's backlog, or returns false when it would pass the limit (a channel with none waiting always takes a batch). */
  take(channelId: string, count: number): boolean {
    const now = this.waiting.get(channelId) ?? 0;
    if (now > 0 && now + count > this.limit) return false;
    this.waiting.set(channelId, now + count);
    return true;
  }

  give(channelId: string, count: number): void {
    const left = (this.waiting.get(channelId) ?? 0) - count;
    if (left > 0) this.waiting.set(channelId, left);
    else this.waiting.delete(channelId);
  }

  /** Reactions waiting in the channel (for tests and status). */
  size(channelId: string): number {
    return this.waiting.get(channelId) ?? 0;
  }
}

/** Places taken in a channel's backlog for the scale reactions of some messages. */
export interface ScaleReservation {
  /** Adds the scale to the messages in order (first message first), giving places back as it goes. */
  add(messages: readonly Message[]): Promise<void>;
  /** Gives back the places not used (nothing posted, or posting failed); safe to call more than once. */
  release(): void;
}

/**
 * Takes places for the scale reactions of `messageCount` messages in the channel, or returns undefined
 * (nothing taken) when its backlog is full. Discord allows about four reaction adds per second per
 * channel; discord.js waits out the 429s, so sequential adds are both the fastest and the ordered way.
 */
export function reserveScaleReactions(backlog: ScaleReactionBacklog, logger: Logger, channelId: string, messageCount: number): ScaleReservation | undefined {
  let left = messageCount * SUGGESTION_REACTIONS.length;
  if (!backlog.take(channelId, left)) {
    logger.info({ channelId, messages: messageCount, waiting: backlog.size(channelId) }, 'scale reactions skipped: the channel’s backlog is full');
    return undefined;
  }
  const giveBack = (count: number) => {
    const n = Math.min(count, left);
    left -= n;
    backlog.give(channelId, n);
  };
  return {
    async add(messages) {
      try {
        for (const message of messages) {
          for (const emoji of SUGGESTION_REACTIONS) {
            try {
              await message.react(emoji);
            } catch (error) {
              // Usually a deleted message or a permission taken away meanwhile: members can still add their own.
              logger.warn({ err: error, messageId: message.id, emoji }, 'could not add a scale reaction');
              return;
            }
            giveBack(1);
          }
        }
      } finally {
        giveBack(left);
      }
    },
    release: () => giveBack(left),
  };
}
