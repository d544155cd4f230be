import { MessageFlags, type AutocompleteInteraction, type Interaction, type RepliableInteraction } from 'discord.js';
import { QueueUnavailableError } from '../../queue/queues.ts';
import { isDatabaseUnavailable } from '../../db/retry.ts';
import { NotFoundError } from '../../recommend/types.ts';
import type { BotCommand, BotContext } from '../context.ts';
import { UserFacingError } from '../errors.ts';
import { InputError } from '../../lib/input-error.ts';
import { clip, LIMITS } from '../messages.ts';
import type { MemberRateLimiter } from '../../lib/member-rate-limiter.ts';
import type { AutocompleteThrottle } from '../rate-limit.ts';

/** What the member sees when something failed on our side; the details go to the log. */
export const INTERNAL_ERROR_TEXT = 'Something went wrong on tastebud’s side. Try again in a minute; if it keeps failing, tell a server admin.';

/** What the member sees while PostgreSQL is unreachable: nothing was changed, so they can simply retry. */
export const DATABASE_UNAVAILABLE_TEXT = 'tastebud is temporarily unavailable (its database is not answering). Nothing was changed; try again in a minute.';

/**
 * Routes interactions to commands: slash commands and buttons count against the per-member command
 * limit; autocomplete (one interaction per keystroke) goes through its own throttle, which reuses a
 * member's recent answers and answers no choices past their search budget. Every handler error is
 * caught here, logged in full, and answered with a short ephemeral message, so no handler can crash
 * the process.
 */
export function createInteractionListener(commands: ReadonlyMap<string, BotCommand>, ctx: BotContext, limits: { commands: MemberRateLimiter; autocomplete: AutocompleteThrottle }) {
  return async (interaction: Interaction): Promise<void> => {
    const log = ctx.logger.child({ interactionId: interaction.id, userId: interaction.user.id });
    try {
      if (interaction.isAutocomplete()) {
        const command = commands.get(interaction.commandName);
        const handler = command?.autocomplete;
        const answer = handler ? await limits.autocomplete.answer(interaction.user.id, autocompleteQuestion(interaction), () => handler(interaction, ctx)) : { choices: [], source: 'search' as const };
        if (answer.source === 'throttled') log.debug({ command: interaction.commandName }, 'autocomplete throttled');
        await interaction.respond(answer.choices);
        return;
      }
      if (!interaction.isChatInputCommand() && !interaction.isButton()) return;
      const waitMs = limits.commands.take(interaction.user.id);
      if (waitMs > 0) {
        await interaction.reply({ content: `Slow down a little: try again in ${Math.ceil(waitMs / 1000)} s.`, flags: MessageFlags.Ephemeral });
        return;
      }
      if (interaction.isChatInputCommand()) {
        const command = commands.get(interaction.commandName);
        if (!command)
          throw new UserFacingError(`Unknown command /${interaction.commandName}; the bot may be newer or older than its registered commands. Ask an admin to run \`tastebud register-commands\`.`);
        log.debug({ command: interaction.commandName }, 'command');
        await command.execute(interaction, ctx);
        return;
      }
      const owner = commands.get(interaction.customId.split(':')[0] ?? '');
      if (!owner?.button) throw new UserFacingError('This button is no longer handled; run the command again.');
      await owner.button(interaction, ctx);
    } catch (error) {
      const userFacing = error instanceof UserFacingError || error instanceof NotFoundError || error instanceof InputError;
      const databaseDown = !userFacing && isDatabaseUnavailable(error);
      if (userFacing) log.info({ reason: (error as Error).message }, 'interaction refused');
      else if (databaseDown) log.warn({ err: error, command: 'commandName' in interaction ? interaction.commandName : undefined }, 'interaction failed: database unavailable');
      else log.error({ err: error, command: 'commandName' in interaction ? interaction.commandName : undefined }, 'interaction handler failed');
      if (interaction.isRepliable()) {
        const text = userFacing
          ? error.message
          : databaseDown
            ? DATABASE_UNAVAILABLE_TEXT
            : error instanceof QueueUnavailableError
              ? 'The job queue (Redis) is not reachable right now. Try again in a few minutes.'
              : INTERNAL_ERROR_TEXT;
        await answerError(interaction, clip(text, LIMITS.content)).catch((replyError: unknown) => log.warn({ err: replyError }, 'could not report the error to the member'));
      } else if (interaction.isAutocomplete() && !interaction.responded) {
        await interaction.respond([]).catch(() => {});
      }
    }
  };
}

/** What an autocomplete asks: the command (and subcommand), the focused option and the text typed so far. */
function autocompleteQuestion(interaction: AutocompleteInteraction): string {
  const focused = interaction.options.getFocused(true);
  return [interaction.commandName, interaction.options.getSubcommand(false) ?? '', focused.name, String(focused.value).trim()].join('\u0000');
}

/** Replies, edits the deferred reply, or follows up, whichever the interaction still allows. */
async function answerError(interaction: RepliableInteraction, content: string): Promise<void> {
  const allowedMentions = { parse: [] as never[] };
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions });
  } else if (interaction.deferred && !interaction.replied) {
    await interaction.editReply({ content, allowedMentions });
  } else {
    await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions });
  }
}
