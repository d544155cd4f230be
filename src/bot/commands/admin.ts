import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { AdminActions } from '../../admin/actions.ts';
import { statusEmbed, statusHeadline } from '../status-embed.ts';
import type { StatusChartSource } from '../../admin/admin-service.ts';
import type { BotCommand, BotContext } from '../context.ts';
import { clip, LIMITS } from '../messages.ts';

/** Whether the member who ran the interaction holds Manage Server in that channel; false in DMs. */
export function canAdminister(interaction: Pick<ChatInputCommandInteraction, 'memberPermissions' | 'inGuild'>): boolean {
  return interaction.inGuild() && (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false);
}

/** /admin retrain | reindex | status — Manage Server only, checked on every call. */
export const command: BotCommand = {
  definition: new SlashCommandBuilder()
    .setName('admin')
    .setDescription('Model maintenance (Manage Server only)')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((s) => s.setName('retrain').setDescription('Queue training of a new model version'))
    .addSubcommand((s) => s.setName('reindex').setDescription('Queue a rebuild of the title index'))
    .addSubcommand((s) => s.setName('status').setDescription('Active model, its metrics, queue depths and recent jobs'))
    .toJSON(),
  async execute(interaction, ctx) {
    // default_member_permissions only hides the command; server admins can override it per role, so check here too.
    if (!canAdminister(interaction)) {
      ctx.logger.warn({ userId: interaction.user.id, guildId: interaction.guildId }, 'refused /admin without Manage Server');
      await interaction.reply({ content: 'Only members with the Manage Server permission can use `/admin`.', flags: MessageFlags.Ephemeral });
      return;
    }
    const sub = interaction.options.getSubcommand(true);
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    if (sub === 'status') {
      const [status, chart] = await Promise.all([ctx.admin.status(), hasStatusChart(ctx.admin) ? ctx.admin.statusChart() : undefined]);
      await interaction.editReply({
        content: statusHeadline(status),
        embeds: [statusEmbed(status)],
        ...(chart ? { files: [{ attachment: chart, name: STATUS_CHART_FILE }] } : {}),
      });
      return;
    }
    const queue = sub === 'retrain' ? 'retrain' : 'reindex';
    const jobId = queue === 'retrain' ? await ctx.admin.queueRetrain(interaction.user.id) : await ctx.admin.queueReindex(interaction.user.id);
    await interaction.editReply({ content: `Queued the ${queue} job (job id ${jobId}). This message will show its progress.` });
    watchProgress(interaction, ctx, queue, jobId);
  },
};

/** The name of the chart attached to /admin status. */
export const STATUS_CHART_FILE = 'training.png';

/** Whether the admin service can draw the status chart (the default one can; test doubles need not). */
function hasStatusChart(admin: AdminActions): admin is AdminActions & StatusChartSource {
  return typeof (admin as Partial<StatusChartSource>).statusChart === 'function';
}

/** Lets a progress poller (when the admin service has one) edit the reply; runs after the handler returns. */
function watchProgress(interaction: ChatInputCommandInteraction, ctx: BotContext, queue: 'retrain' | 'reindex', jobId: string): void {
  const watch = ctx.admin.watchJob;
  if (!watch) return;
  void watch
    .call(ctx.admin, queue, jobId, async (text) => {
      await interaction.editReply({ content: clip(`${queue} job ${jobId}: ${text}`, LIMITS.content) });
    })
    .catch((error: unknown) => ctx.logger.warn({ err: error, queue, jobId }, 'job progress reporting stopped'));
}
