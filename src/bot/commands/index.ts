import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { BotCommand } from '../context.ts';
import { command as admin } from './admin.ts';
import { command as forgetMe } from './forget-me.ts';
import { command as help } from './help.ts';
import { command as movienight } from './movienight.ts';
import { command as onboard } from './onboard.ts';
import { command as privacy } from './privacy.ts';
import { command as profile } from './profile.ts';
import { command as rate } from './rate.ts';
import { command as recommend } from './recommend.ts';
import { command as search } from './search.ts';
import { command as similar } from './similar.ts';

/** Every slash command, by name. */
export const COMMANDS: ReadonlyMap<string, BotCommand> = new Map([search, recommend, rate, similar, profile, privacy, onboard, movienight, forgetMe, help, admin].map((c) => [c.definition.name, c]));

/** The JSON bodies to register (bulk overwrite). */
export function commandDefinitions(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return [...COMMANDS.values()].map((c) => c.definition);
}
