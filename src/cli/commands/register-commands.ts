import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('register-commands')
    .description('Register (bulk overwrite) the bot’s slash commands with Discord, globally or for one server')
    .option('--guild <id>', 'register for this server only (shows at once; global commands can take up to an hour)')
    .action(async (options: { guild?: string }) => {
      const { loadConfig, requireDiscord } = await import('../../config.ts');
      const { UserError } = await import('../../lib/user-error.ts');
      const config = loadConfig();
      const { token, applicationId } = requireDiscord(config);
      const guildId = options.guild ?? undefined;
      if (guildId !== undefined && !/^\d{17,20}$/.test(guildId)) throw new UserError(`--guild must be a Discord server id (17 to 20 digits); got "${guildId}".`);
      const { registerCommands } = await import('../../bot/register.ts');
      const count = await registerCommands({ token, applicationId, guildId, apiUrl: config.discord.apiUrl });
      console.log(guildId ? `Registered ${count} command(s) for server ${guildId}.` : `Registered ${count} global command(s); Discord may take up to an hour to show them everywhere.`);
    });
}
