import { MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { BotCommand } from '../context.ts';
import { clip, displayTitle, formatStars, LIMITS, memberName } from '../messages.ts';
import { NO_MENTIONS } from '../suggest.ts';

/** /profile [user] — number of ratings, favourite genres, recent ratings. */
export const command: BotCommand = {
  definition: new SlashCommandBuilder()
    .setName('profile')
    .setDescription('Your ratings at a glance (or another member’s, if they made it public)')
    .addUserOption((o) => o.setName('user').setDescription('Whose profile (default: yours)'))
    .toJSON(),
  async execute(interaction, ctx) {
    const target = interaction.options.getUser('user') ?? interaction.user;
    const own = target.id === interaction.user.id;
    const name = memberName(target);
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    if (!own && !(await ctx.ratings.isProfilePublic(target.id))) {
      await interaction.editReply({ content: `${name}'s profile is private.`, allowedMentions: NO_MENTIONS });
      return;
    }
    const profile = await ctx.ratings.profile(target.id);
    if (!profile || profile.ratingCount === 0) {
      await interaction.editReply({
        content: own ? 'You have not rated anything yet. Try `/onboard` or react to a `/recommend` suggestion.' : `${name} has not rated anything yet.`,
        allowedMentions: NO_MENTIONS,
      });
      return;
    }
    const genres = profile.favouriteGenres.map((g) => `${g.genre} (${g.count})`).join(', ') || '—';
    const recent = profile.recent.map((r) => `${formatStars(r.value)} ${displayTitle(r)}`).join('\n');
    await interaction.editReply({
      embeds: [
        {
          title: clip(`Taste profile: ${name}`, LIMITS.embedTitle),
          color: 0xe5a00d,
          fields: [
            { name: 'Ratings', value: String(profile.ratingCount), inline: true },
            { name: 'Not interested', value: String(profile.hiddenCount), inline: true },
            { name: 'Favourite genres', value: clip(genres, LIMITS.fieldValue) },
            { name: 'Recent ratings', value: clip(recent, LIMITS.fieldValue) },
          ],
        },
      ],
      allowedMentions: NO_MENTIONS,
    });
  },
};
