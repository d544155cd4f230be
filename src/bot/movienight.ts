import { Routes, type ChatInputCommandInteraction, type Client, type Message, type SendableChannels } from 'discord.js';
import type { Queue } from 'bullmq';
import type { Logger } from '../log.ts';
import { formatWhen } from '../movienight/when.ts';
import { winnerOf } from '../movienight/tally.ts';
import { JOIN_EMOJI, type MovieNightStore, type Night, type Participant } from '../movienight/store.ts';
import type { MovieNightJob } from '../queue/names.ts';
import { withQueueTimeout } from '../queue/queues.ts';
import type { RatingStore } from '../ratings/store.ts';
import { UserFacingError } from './errors.ts';
import type { BotCatalogue, TitleMedia } from './catalogue.ts';
import { clip, creditLine, displayTitle, LIMITS, quoteUserText, suggestionEmbed } from './messages.ts';
import { fitLegend } from '../groups/explain.ts';
import type { GroupMember } from '../groups/rank.ts';
import type { BotRecommender, GroupSuggestedTitle, TitleSearch } from './ports.ts';
import { NO_MENTIONS, type ScaleReservation } from './suggest.ts';

/** The vote reaction of candidate 1…8, one on each candidate message. */
export const VOTE_EMOJI = ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '5️⃣', '6️⃣', '7️⃣', '8️⃣'] as const;
/** Whether a reaction may be a movie night's (🍿 or a vote); every other emoji skips the lookups. */
export function isMovieNightEmoji(name: string): boolean {
  return name === JOIN_EMOJI || (VOTE_EMOJI as readonly string[]).includes(name);
}

/** How long the scheduled event lasts. */
export const EVENT_HOURS = 3;

export interface MovieNightDeps {
  store: MovieNightStore;
  ratings: RatingStore;
  recommender: BotRecommender;
  search: TitleSearch;
  logger: Logger;
  client: Client;
  /** Delayed close and rating-prompt jobs; the bot process runs them (it holds the Discord connection). */
  queue: Queue<MovieNightJob>;
  timezone: string;
  /** Tests shorten these: the close of a night with a time, and the rating prompt after its end. */
  closeDelayMs?: number | undefined;
  rateDelayMs?: number | undefined;
  reserveScaleReactions(channelId: string, messageCount: number): ScaleReservation | undefined;
  /** Posters, lengths and provider credits for the candidate and winner embeds; without it they show none. */
  catalogue?: Pick<BotCatalogue, 'media'> | undefined;
}

/** The Discord side of movie nights: posting, reactions, the scheduled event and the delayed jobs. */
// eslint-disable-next-line max-lines-per-function -- a factory of short methods and helpers sharing its deps; each inner function is checked on its own
export function createMovieNights(deps: MovieNightDeps) {
  const { store, logger, client } = deps;

  /** Poster, length and credit of each title; a catalogue failure costs the pictures, never the post. */
  async function mediaOf(titleIds: readonly number[]): Promise<ReadonlyMap<number, TitleMedia>> {
    return (await deps.catalogue?.media(titleIds).catch((error: unknown) => void logger.warn({ err: error }, 'could not read title posters'))) ?? new Map();
  }

  /** Display names by Discord id, read from Discord (the tables keep none). */
  async function names(participants: readonly Participant[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const p of participants) {
      const user = await client.users.fetch(p.discordId).catch(() => undefined);
      out.set(p.discordId, user ? (user.globalName ?? user.username) : 'someone');
    }
    return out;
  }

  async function channelOf(night: Night): Promise<SendableChannels | undefined> {
    const channel = await client.channels.fetch(night.channelId).catch(() => null);
    return channel?.isSendable() ? channel : undefined;
  }

  /** Edits the night's scheduled event; a failure is logged, never fatal (the event is a convenience). */
  async function editEvent(night: Night, body: Record<string, unknown>): Promise<void> {
    if (!night.eventId) return;
    await client.rest
      .patch(Routes.guildScheduledEvent(night.guildId, night.eventId), { body })
      .catch((error: unknown) => logger.warn({ err: error, nightId: night.id }, 'could not update the scheduled event'));
  }

  async function schedule(kind: MovieNightJob['kind'], nightId: number, delayMs: number): Promise<void> {
    await withQueueTimeout(
      'scheduling a movie night job',
      deps.queue.add(kind, { kind, nightId }, { jobId: `${kind}-${nightId}`, delay: Math.max(0, delayMs), attempts: 3, backoff: { type: 'exponential', delay: 2_000 } }),
    );
  }

  const service = {
    /** Creates the night's scheduled event (external, at the channel), or says why not. */
    async createEvent(night: Night, interaction: ChatInputCommandInteraction, canManageEvents: boolean): Promise<string | undefined> {
      if (!night.startsAt) return undefined;
      if (!canManageEvents) return 'I could not create a Discord event: I need the **Manage Events** permission. The night goes on without one.';
      const channelName = interaction.channel && 'name' in interaction.channel ? `#${interaction.channel.name}` : 'this channel';
      try {
        const event = (await client.rest.post(Routes.guildScheduledEvents(night.guildId), {
          body: {
            name: 'Movie night',
            description: `Join by reacting ${JOIN_EMOJI} on the announcement in ${channelName}; the group picks the title by vote.`,
            privacy_level: 2,
            entity_type: 3,
            entity_metadata: { location: clip(channelName, 100) },
            scheduled_start_time: night.startsAt.toISOString(),
            scheduled_end_time: new Date(night.startsAt.getTime() + EVENT_HOURS * 3_600_000).toISOString(),
          },
        })) as { id: string };
        await store.setEvent(night.id, event.id);
        night.eventId = event.id;
        return undefined;
      } catch (error) {
        logger.warn({ err: error, nightId: night.id }, 'could not create the scheduled event');
        return 'I could not create the Discord event (Discord refused it); the night goes on without one.';
      }
    },

    /** A 🍿 or vote reaction; anything else is not ours. */
    async onReaction(messageId: string, emoji: string, user: { id: string; username?: string | null; globalName?: string | null; bot?: boolean | null }, action: 'add' | 'remove'): Promise<void> {
      if (user.bot) return;
      if (emoji === JOIN_EMOJI) {
        const night = await store.byAnnouncement(messageId);
        if (!night) return;
        const member = { discordId: user.id, displayName: user.globalName ?? user.username ?? undefined };
        const changed = action === 'add' ? await store.join(night.id, member) : await store.leave(night.id, user.id);
        logger.debug({ nightId: night.id, userId: user.id, action, changed }, 'movie night participation');
        return;
      }
      const position = VOTE_EMOJI.indexOf(emoji as (typeof VOTE_EMOJI)[number]);
      if (position < 0) return;
      const candidate = await store.candidateByMessage(messageId);
      // Only the candidate's own number is a vote for it.
      if (!candidate || candidate.position !== position) return;
      const outcome = await store.vote(candidate.id, candidate.nightId, user.id, action);
      logger.debug({ nightId: candidate.nightId, userId: user.id, action, outcome }, 'movie night vote');
    },

    /** Posts the candidates (one message each, its vote reaction added) and opens the vote. */
    async pick(interaction: ChatInputCommandInteraction, night: Night, participants: Participant[]): Promise<void> {
      if (!deps.recommender.forGroup) throw new UserFacingError('Group suggestions are not available on this tastebud yet; ask an admin to update it.');
      if (!(await store.beginVoting(night.id))) throw new UserFacingError('Voting on this movie night has already started: vote on the candidates above.');
      await interaction.deferReply();
      let posted = 0;
      try {
        const memberNames = await names(participants);
        const titles = await deps.recommender.forGroup({
          members: participants.map((p) => ({ discordId: p.discordId, userId: p.userId, name: memberNames.get(p.discordId)! })),
          count: night.candidateCount,
          genre: night.genre ?? undefined,
          kind: night.kind ?? undefined,
          strategy: night.strategy,
          includeSeen: night.includeSeen,
          fairHistory: night.strategy === 'fair' ? await store.favouredRecently(night.guildId) : new Map(),
        });
        if (titles.length === 0) {
          await store.reopenJoining(night.id);
          await interaction.editReply({
            content: 'I found nothing to propose for this group (every matching title is rated or hidden by someone?). Try another genre, or `include-seen`.',
            allowedMentions: NO_MENTIONS,
          });
          return;
        }
        const neutral = (titles[0]?.candidate.neutralMembers ?? []).map((id) => quoteUserText(memberNames.get(id) ?? 'someone', 40));
        const header = [
          `**Movie night candidates** for ${participants.length} of you. Vote with each title’s number (approval: vote for as many as you like).`,
          `Only members who joined with ${JOIN_EMOJI} before the pick vote; other reactions are not counted, because the candidates were chosen for the people who joined.`,
          neutral.length > 0 ? `${neutral.join(', ')}: no ratings yet, so counted neutral — use \`/onboard\` to rate a few titles.` : '',
          night.startsAt ? `Voting closes ${formatWhen(night.startsAt, deps.timezone)}, or when the host runs \`/movienight close\`.` : 'Voting closes when the host runs `/movienight close`.',
        ]
          .filter(Boolean)
          .join('\n');
        await interaction.editReply({ content: clip(header, LIMITS.content), allowedMentions: NO_MENTIONS });
        posted = await postCandidates(interaction, night, titles, participants, memberNames);
        if (night.startsAt) await schedule('close', night.id, deps.closeDelayMs ?? night.startsAt.getTime() - Date.now());
        await editEvent(night, { description: `Voting on ${posted} candidates in the channel: react with a title’s number.` });
      } catch (error) {
        if (posted === 0) await store.reopenJoining(night.id);
        throw error;
      }
    },

    /** Counts the votes, closes the night once, renames the event and schedules the rating prompt; returns the announcement text. */
    async close(night: Night): Promise<string> {
      const counts = await store.counts(night.id);
      const result = winnerOf(counts);
      if (!result) throw new UserFacingError('Voting has not started on this movie night: run `/movienight pick` first, or `/movienight cancel`.');
      if (!(await store.close(night.id, { candidateId: result.winner.id, titleId: result.winner.titleId }))) throw new UserFacingError('This movie night is already closed.');
      const title = await deps.search.get(result.winner.titleId);
      const name = title ? displayTitle(title) : `title ${result.winner.titleId}`;
      await editEvent(night, { name: clip(`Movie night: ${name}`, 100) });
      const rateAt = night.startsAt ? night.startsAt.getTime() + EVENT_HOURS * 3_600_000 - Date.now() : EVENT_HOURS * 3_600_000;
      await schedule('rate', night.id, deps.rateDelayMs ?? rateAt);
      const lines = counts.map((c) => `${VOTE_EMOJI[c.position]} ${c.votes} vote${c.votes === 1 ? '' : 's'}`);
      const how =
        result.winner.votes === 0
          ? 'nobody voted, so the best group fit wins'
          : result.tied
            ? `${result.winner.votes} votes, tie broken by group fit`
            : `${result.winner.votes} vote${result.winner.votes === 1 ? '' : 's'}`;
      return clip(`🎬 **Tonight: ${name}** (${how}).\n${lines.join(' · ')}\nAfter the movie I will ask each of you to rate it.`, LIMITS.content);
    },

    /** The delayed jobs: close by time, and the rating prompt after the night. */
    async runJob(job: MovieNightJob): Promise<void> {
      const night = await store.byId(job.nightId);
      if (!night) return;
      const channel = await channelOf(night);
      if (job.kind === 'close') {
        if (night.state !== 'voting') return;
        const text = await service.close(night).catch((error: unknown) => (error instanceof UserFacingError ? undefined : Promise.reject(error)));
        if (text && channel) await channel.send({ content: text, allowedMentions: NO_MENTIONS });
        return;
      }
      if (night.state !== 'closed' || !night.winnerTitleId || !channel) return;
      await postRatingPrompt(night, channel);
    },

    /** Catches up on 🍿 and votes added or removed while the bot was away. */
    async reconcile(): Promise<void> {
      for (const night of await store.allOpen()) {
        try {
          if (night.state === 'joining') {
            const users = await reactionUsers(night.channelId, night.announcementId, JOIN_EMOJI);
            await store.setParticipants(
              night.id,
              users.filter((u) => !u.bot).map((u) => ({ discordId: u.id, displayName: u.global_name ?? u.username })),
            );
          } else if (night.state === 'voting') {
            for (const c of await store.candidates(night.id)) {
              const users = await reactionUsers(night.channelId, c.messageId, VOTE_EMOJI[c.position]!);
              await store.setVotes(
                night.id,
                c.id,
                users.filter((u) => !u.bot).map((u) => u.id),
              );
            }
          }
        } catch (error) {
          logger.warn({ err: error, nightId: night.id }, 'could not reconcile a movie night');
        }
      }
    },
    editEvent,
  };

  async function postCandidates(interaction: ChatInputCommandInteraction, night: Night, titles: GroupSuggestedTitle[], participants: Participant[], memberNames: Map<string, string>): Promise<number> {
    const messages: { message: Message; emoji: string }[] = [];
    const userIds = new Map(participants.map((p) => [p.discordId, p.userId]));
    const members: GroupMember[] = participants.map((p) => ({ id: p.discordId, displayName: memberNames.get(p.discordId) ?? 'someone', vector: null }));
    const posted = titles.slice(0, VOTE_EMOJI.length);
    const media = await mediaOf(posted.map((t) => t.id));
    for (const [i, title] of posted.entries()) {
      const { candidate } = title;
      const neutral = new Set(candidate.neutralMembers);
      // The ranking's reason line is already Markdown-safe (it escapes names itself).
      const embed = suggestionEmbed({ ...title, reason: candidate.reason }, i + 1, titles.length, media.get(title.id));
      embed.fields = [{ name: 'Fit for each of you', value: clip(fitLegend(candidate, members, (text) => quoteUserText(text, 40)) || '—', LIMITS.fieldValue) }];
      embed.footer = { text: clip(`Vote with ${VOTE_EMOJI[i]} · 🟩 good fit · 🟨 ok · 🟥 poor · ⬜ no ratings yet${creditLine(media.get(title.id))}`, 2048) };
      const message = await interaction.followUp({ embeds: [embed], allowedMentions: NO_MENTIONS });
      const fits = candidate.perMember.flatMap((p) => (userIds.has(p.memberId) ? [{ userId: userIds.get(p.memberId)!, fit: neutral.has(p.memberId) ? 'neutral' : p.fit }] : []));
      await store.addCandidate(night.id, { position: i, messageId: message.id, titleId: title.id, groupScore: candidate.groupScore, reason: candidate.reason, fits });
      messages.push({ message, emoji: VOTE_EMOJI[i]! });
    }
    for (const { message, emoji } of messages) await message.react(emoji).catch((error: unknown) => logger.warn({ err: error, messageId: message.id }, 'could not add a vote reaction'));
    return messages.length;
  }

  async function postRatingPrompt(night: Night, channel: SendableChannels): Promise<void> {
    const title = await deps.search.get(night.winnerTitleId!);
    if (!title) return;
    const participants = await store.participants(night.id);
    const host = participants[0];
    if (!host) return;
    const media = (await mediaOf([title.id])).get(title.id);
    const scale = deps.reserveScaleReactions(night.channelId, 1);
    try {
      const message = await channel.send({
        content: clip(`How was movie night? ${participants.map((p) => `<@${p.discordId}>`).join(' ')} — rate it by reacting below; it tunes your suggestions.`, LIMITS.content),
        embeds: [suggestionEmbed({ ...title, reason: 'the movie night winner' }, 1, 1, media)],
        allowedMentions: { users: participants.map((p) => p.discordId) },
      });
      await deps.ratings.recordSuggestions({ discordId: host.discordId }, [
        { messageId: message.id, channelId: message.channelId, guildId: night.guildId, titleId: title.id, position: 0, modelVersionId: null, reason: 'the movie night winner' },
      ]);
      await scale?.add([message]);
    } finally {
      scale?.release();
    }
  }

  async function reactionUsers(channelId: string, messageId: string, emoji: string): Promise<{ id: string; bot?: boolean; username: string; global_name: string | null }[]> {
    const all: { id: string; bot?: boolean; username: string; global_name: string | null }[] = [];
    let after: string | undefined;
    for (;;) {
      const query = new URLSearchParams({ limit: '100', ...(after ? { after } : {}) });
      const page = (await client.rest.get(Routes.channelMessageReaction(channelId, messageId, encodeURIComponent(emoji)), { query })) as typeof all;
      all.push(...page);
      if (page.length < 100) return all;
      after = page.at(-1)!.id;
    }
  }

  return Object.assign(service, { store, timezone: deps.timezone });
}

export type MovieNights = ReturnType<typeof createMovieNights>;
