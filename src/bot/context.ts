import type { ApplicationCommandOptionChoiceData, AutocompleteInteraction, ButtonInteraction, ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Logger } from '../log.ts';
import type { RatingStore } from '../ratings/store.ts';
import type { BotCatalogue } from './catalogue.ts';
import type { AdminActions } from '../admin/actions.ts';
import type { BotRecommender, TitleSearch } from './ports.ts';
import type { MovieNights } from './movienight.ts';
import type { ScaleReservation } from './suggest.ts';

/** Everything a command handler may use; built once by createBot. */
export interface BotContext {
  ratings: RatingStore;
  search: TitleSearch;
  recommender: BotRecommender;
  admin: AdminActions;
  logger: Logger;
  /** Call after a rating change committed, so its outbox event reaches the queue at once. */
  ratingsChanged(): void;
  /** Places for the scale reactions of `messageCount` messages in the channel, or undefined when too many already wait there. */
  reserveScaleReactions(channelId: string, messageCount: number): ScaleReservation | undefined;
  /** Provider matches for weak autocompletes, adding picked ones, and embed images; absent in a bot built without it. */
  catalogue?: BotCatalogue;
  /** /movienight: its store, time zone and Discord side; absent in a bot built without a movie night queue. */
  movieNights?: MovieNights;
}

/** One slash command: its registration JSON and its handlers. */
export interface BotCommand {
  definition: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  /** The choices for the focused option; the listener answers Discord with them (throttled per member). */
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<ApplicationCommandOptionChoiceData[]>;
  /** Buttons whose custom id starts with `<command name>:` come here. */
  button?(interaction: ButtonInteraction, ctx: BotContext): Promise<void>;
}
