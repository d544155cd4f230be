import { REST, Routes } from 'discord.js';
import { commandDefinitions } from './commands/index.ts';

export interface RegisterOptions {
  token: string;
  applicationId: string;
  /** Register for one server (instant) instead of globally (can take up to an hour to show). */
  guildId?: string | undefined;
  /** REST base, e.g. http://127.0.0.1:PORT/api for an emulator; Discord's by default. */
  apiUrl?: string | undefined;
}

/** Bulk-overwrites the application's slash commands; returns how many are registered. */
export async function registerCommands(options: RegisterOptions): Promise<number> {
  const rest = new REST(options.apiUrl ? { api: options.apiUrl } : {}).setToken(options.token);
  const route = options.guildId ? Routes.applicationGuildCommands(options.applicationId, options.guildId) : Routes.applicationCommands(options.applicationId);
  const registered = (await rest.put(route, { body: commandDefinitions() })) as unknown[];
  return registered.length;
}
