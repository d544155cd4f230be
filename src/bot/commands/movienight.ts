import { PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { NightAlreadyOpenError, STRATEGIES, type Night, type Strategy } from '../../movienight/store.ts';
import { formatWhen, parseWhen, WhenError } from '../../movienight/when.ts';
import type { BotCommand, BotContext } from '../context.ts';
import { UserFacingError } from '../errors.ts';
import { clip, LIMITS, quoteUserText } from '../messages.ts';
import { JOIN_EMOJI } from '../../movienight/store.ts';
import { NO_MENTIONS, requireRateableChannel } from '../suggest.ts';
import { checkCount, KINDS } from './recommend.ts';

export const CANDIDATES = { min: 3, max: 8, default: 5 } as const;

/** The movie night service, or a clear answer on a bot built without one. */
function nights(ctx: BotContext): NonNullable<BotContext['movieNights']> {
  if (!ctx.movieNights) throw new UserFacingError('Movie nights are not set up on this tastebud.');
  return ctx.movieNights;
}

function openNightLink(night: Night): string {
  return `https://discord.com/channels/${night.guildId}/${night.channelId}/${night.announcementId}`;
}

async function requireOpenNight(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<Night> {
  const night = await nights(ctx).store.openIn(interaction.channelId);
  if (!night) throw new UserFacingError('There is no open movie night in this channel. Start one with `/movienight start`.');
  return night;
}

/** The host, or a member with Manage Events (checked here from the interaction's permissions, not trusted from the client). */
async function requireHostOrManager(ctx: BotContext, interaction: ChatInputCommandInteraction, night: Night, what: string): Promise<void> {
  if (interaction.memberPermissions?.has(PermissionFlagsBits.ManageEvents)) return;
  const userId = await ctx.ratings.findMember(interaction.user.id);
  if (userId !== undefined && userId === night.hostUserId) return;
  throw new UserFacingError(`Only the host of this movie night or a member with Manage Events can ${what}.`);
}

async function start(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const service = nights(ctx);
  if (!interaction.inGuild()) throw new UserFacingError('Movie nights happen in a server channel, not in direct messages.');
  requireRateableChannel(interaction);
  const open = await service.store.openIn(interaction.channelId);
  if (open) throw new UserFacingError(`This channel already has an open movie night: ${openNightLink(open)} — join it with ${JOIN_EMOJI}, or its host can \`/movienight cancel\` it.`);
  const whenText = interaction.options.getString('when')?.trim();
  let startsAt: Date | null = null;
  try {
    if (whenText) startsAt = parseWhen(whenText, service.timezone);
  } catch (error) {
    if (error instanceof WhenError) throw new UserFacingError(quoteUserText(error.message, 300));
    throw error;
  }
  const count = checkCount(interaction.options.getInteger('candidates'), CANDIDATES);
  const kindInput = interaction.options.getString('kind')?.trim().toLowerCase() || undefined;
  const kind = kindInput ? KINDS.find((k) => k === kindInput || `${k}s` === kindInput) : undefined;
  if (kindInput && !kind) throw new UserFacingError(`There is no kind "${quoteUserText(kindInput, 40)}"; pick one of ${KINDS.join(', ')}.`);
  const genreInput = interaction.options.getString('genre')?.trim() || undefined;
  const genre = genreInput ? (await ctx.recommender.genres()).find((g) => g.toLowerCase() === genreInput.toLowerCase()) : undefined;
  if (genreInput && !genre) throw new UserFacingError(`There is no genre "${quoteUserText(genreInput, 60)}". Pick one from the list.`);
  const strategy = (interaction.options.getString('strategy') ?? 'average-without-misery') as Strategy;
  if (!STRATEGIES.includes(strategy)) throw new UserFacingError(`Unknown strategy; pick one of ${STRATEGIES.join(', ')}.`);
  const when = startsAt ? ` on ${formatWhen(startsAt, service.timezone)}` : '';
  const filter = [genre, kind].filter(Boolean).join(', ');
  const text = `🍿 **Movie night${when}!** React ${JOIN_EMOJI} to join (remove it to leave). When everyone is in, the host runs \`/movienight pick\` and I propose ${count} ${filter ? `${filter} ` : ''}titles for the group to vote on.`;
  await interaction.reply({ content: clip(text, LIMITS.content), allowedMentions: NO_MENTIONS });
  const message = await interaction.fetchReply();
  let night: Night;
  try {
    night = await service.store.create({
      guildId: interaction.guildId,
      channelId: interaction.channelId,
      announcementId: message.id,
      host: { discordId: interaction.user.id, displayName: interaction.user.globalName ?? interaction.user.username },
      startsAt,
      kind,
      genre,
      candidateCount: count,
      strategy,
      includeSeen: interaction.options.getBoolean('include-seen') ?? false,
    });
  } catch (error) {
    if (!(error instanceof NightAlreadyOpenError)) throw error;
    const other = await service.store.openIn(interaction.channelId);
    await interaction.editReply({
      content: `Someone started a movie night here a moment ago${other ? `: ${openNightLink(other)}` : ''} — join that one with ${JOIN_EMOJI}.`,
      allowedMentions: NO_MENTIONS,
    });
    return;
  }
  await message.react(JOIN_EMOJI).catch((error: unknown) => ctx.logger.warn({ err: error }, 'could not add the join reaction'));
  const note = await service.createEvent(night, interaction, interaction.appPermissions.has(PermissionFlagsBits.ManageEvents));
  if (note) await interaction.followUp({ content: note, allowedMentions: NO_MENTIONS });
}

async function pick(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const service = nights(ctx);
  const night = await requireOpenNight(ctx, interaction);
  await requireHostOrManager(ctx, interaction, night, 'pick the candidates');
  if (night.state === 'voting') throw new UserFacingError('Voting has already started: vote on the candidates above, or the host runs `/movienight close`.');
  const participants = await service.store.participants(night.id);
  if (participants.length === 0) throw new UserFacingError(`Nobody has joined yet: react ${JOIN_EMOJI} on the announcement to join. A movie night needs at least 2.`);
  if (participants.length === 1) throw new UserFacingError(`Only one person has joined — for one, \`/recommend\` does it. A movie night needs at least 2: invite someone to react ${JOIN_EMOJI}.`);
  await service.pick(interaction, night, participants);
}

async function close(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const night = await requireOpenNight(ctx, interaction);
  await requireHostOrManager(ctx, interaction, night, 'close the vote');
  if (night.state === 'joining') throw new UserFacingError('Voting has not started yet: run `/movienight pick` first, or `/movienight cancel`.');
  await interaction.deferReply();
  await interaction.editReply({ content: await nights(ctx).close(night), allowedMentions: NO_MENTIONS });
}

async function cancel(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const service = nights(ctx);
  const night = await requireOpenNight(ctx, interaction);
  await requireHostOrManager(ctx, interaction, night, 'cancel it');
  if (!(await service.store.cancel(night.id))) throw new UserFacingError('This movie night is already over.');
  await service.editEvent(night, { status: 4 });
  await interaction.reply({ content: 'Movie night cancelled.', allowedMentions: NO_MENTIONS });
}

/** /movienight start|pick|close|cancel — a group vote on titles chosen for everyone who joined. */
export const command: BotCommand = {
  definition: new SlashCommandBuilder()
    .setName('movienight')
    .setDescription('Pick something the whole group will like, by vote')
    .setDMPermission(false)
    .addSubcommand((s) =>
      s
        .setName('start')
        .setDescription(`Announce a movie night; members join by reacting ${JOIN_EMOJI}`)
        .addStringOption((o) => o.setName('when').setDescription('e.g. "tonight 21:00", "2026-12-05 20:30", "in 2h"').setMaxLength(100))
        .addStringOption((o) =>
          o
            .setName('kind')
            .setDescription('Only this kind of title')
            .setMaxLength(20)
            .addChoices(...KINDS.map((k) => ({ name: k, value: k }))),
        )
        .addStringOption((o) => o.setName('genre').setDescription('Only this genre').setMaxLength(100))
        .addIntegerOption((o) =>
          o
            .setName('candidates')
            .setDescription(`How many titles to vote on (${CANDIDATES.min}-${CANDIDATES.max}, default ${CANDIDATES.default})`)
            .setMinValue(CANDIDATES.min)
            .setMaxValue(CANDIDATES.max),
        )
        .addStringOption((o) =>
          o
            .setName('strategy')
            .setDescription('How the group’s tastes combine (default average-without-misery)')
            .addChoices(...STRATEGIES.map((s) => ({ name: s, value: s }))),
        )
        .addBooleanOption((o) => o.setName('include-seen').setDescription('Allow titles someone already rated (re-watches)')),
    )
    .addSubcommand((s) => s.setName('pick').setDescription('Close joining and post the candidates to vote on'))
    .addSubcommand((s) => s.setName('close').setDescription('End the vote and announce the winner'))
    .addSubcommand((s) => s.setName('cancel').setDescription('Call the movie night off'))
    .toJSON(),
  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    if (sub === 'start') return start(interaction, ctx);
    if (sub === 'pick') return pick(interaction, ctx);
    if (sub === 'close') return close(interaction, ctx);
    if (sub === 'cancel') return cancel(interaction, ctx);
    throw new UserFacingError(`Unknown subcommand ${quoteUserText(sub, 20)}.`);
  },
};
