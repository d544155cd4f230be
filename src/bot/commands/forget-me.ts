import { ButtonStyle, ComponentType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { BotCommand } from '../context.ts';

const CONFIRM = 'forget-me:confirm';
const CANCEL = 'forget-me:cancel';

/** /forget-me — after a confirmation button, deletes everything stored about the caller. */
export const command: BotCommand = {
  definition: new SlashCommandBuilder().setName('forget-me').setDescription('Delete everything tastebud stores about you (asks first)').toJSON(),
  async execute(interaction) {
    await interaction.reply({
      content:
        'This deletes all your ratings, hidden titles, your taste vector and your reactions, and unlinks you from the suggestions made for you ' +
        '(the messages stay, so other members’ reactions on them still count for them). Reactions you leave in place are not counted again. It cannot be undone.',
      flags: MessageFlags.Ephemeral,
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            { type: ComponentType.Button, style: ButtonStyle.Danger, label: 'Delete my data', custom_id: `${CONFIRM}:${interaction.user.id}` },
            { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Cancel', custom_id: `${CANCEL}:${interaction.user.id}` },
          ],
        },
      ],
    });
  },
  async button(interaction, ctx) {
    const owner = interaction.customId.split(':')[2];
    if (owner !== interaction.user.id) {
      await interaction.reply({ content: 'This button belongs to someone else; run `/forget-me` yourself.', flags: MessageFlags.Ephemeral });
      return;
    }
    if (interaction.customId.startsWith(CANCEL)) {
      await interaction.update({ content: 'Cancelled; nothing was deleted.', components: [] });
      return;
    }
    await interaction.deferUpdate();
    const deleted = await ctx.ratings.forget(interaction.user.id);
    await interaction.editReply({
      content:
        `Done. Deleted ${deleted.ratings} rating(s), ${deleted.hiddenTitles} hidden title(s), ${deleted.vectors} taste vector(s), ` +
        `${deleted.reactions} reaction record(s), and unlinked ${deleted.suggestions} suggestion message(s) from you. tastebud no longer knows you.`,
      components: [],
    });
  },
};
