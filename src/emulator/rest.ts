import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayDispatchEvents, InteractionResponseType, MessageFlags, MessageType, PermissionFlagsBits } from 'discord.js';
import {
  alreadyAcknowledged,
  DiscordApiError,
  invalidFormBody,
  missingAccess,
  missingPermissions,
  unknownCommand,
  unknownCommandPermissions,
  unknownGuild,
  unknownInteraction,
  unknownMessage,
  unknownUser,
  unknownWebhook,
} from './errors.ts';
import type { Gateway } from './gateway.ts';
import type { StoredInteraction } from './interactions.ts';
import { compareSnowflakes } from './snowflake.ts';
import type { EmulatorState, StoredMessage } from './state.ts';
import { ScheduledEvents } from './scheduled-events.ts';
import type { RecordedRequest } from './types.ts';

type Json = Record<string, unknown>;

/** What the REST API needs from the emulator. */
export interface RestCore {
  state: EmulatorState;
  gateway: Gateway;
  interactions: Map<string, StoredInteraction>;
  requests: RecordedRequest[];
  interactionDeadlineMs: number | null;
  /** Milliseconds between reaction adds allowed per channel, or null for no enforcement. */
  reactionIntervalMs: number | null;
  gatewayUrl(): string;
  /** What GET /gateway/bot recommends as `shards`. */
  recommendedShards: number;
}

interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  keys: string[];
  /** Whether the route needs `Authorization: Bot <token>` (interaction callbacks and webhook-token routes do not). */
  auth: boolean;
  handler: (ctx: RouteContext) => RouteResult | Promise<RouteResult>;
}

/** Interaction tokens work for 15 minutes, as on Discord. */
const INTERACTION_TOKEN_TTL_MS = 15 * 60 * 1000;

/**
 * The REST half of the emulator: a route table over the Discord v10 paths discord.js uses, each
 * call recorded, answers shaped like Discord's (including errors and rate-limit headers).
 */
export class RestApi {
  readonly #routes: Route[] = [];
  readonly #reactionBuckets = new Map<string, number>();
  /** Guild scheduled events (their routes are registered with the others). */
  readonly scheduledEvents: ScheduledEvents;

  constructor(private readonly core: RestCore) {
    this.scheduledEvents = new ScheduledEvents(core.state, core.gateway);
    this.#define();
    for (const route of this.scheduledEvents.routes()) this.#on(route.method, route.pattern, route.handler);
  }

  /** Handles one HTTP request under `/api`. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/^\/api(\/v\d+)?/, '') || '/';
    const authorized = request.headers.authorization === `Bot ${this.core.state.token}`;
    const record: RecordedRequest = { method, path, route: null, query: Object.fromEntries(url.searchParams), body: undefined, files: [], status: 0, authorized, at: Date.now() };
    this.core.requests.push(record);
    let result: RouteResult;
    try {
      const parsed = await readBody(request);
      record.body = parsed.body;
      record.files = parsed.files;
      const match = this.#match(method, path);
      if (!match) throw new DiscordApiError(404, 0, '404: Not Found');
      record.route = `${match.route.method} ${match.route.pattern}`;
      if (match.route.auth && !authorized) throw new DiscordApiError(401, 0, '401: Unauthorized');
      result = await match.route.handler({ params: match.params, query: url.searchParams, body: parsed.body });
    } catch (error) {
      if (error instanceof DiscordApiError) result = { status: error.status, body: error.toJSON(), headers: error.status === 429 ? {} : undefined };
      else result = { status: 500, body: { code: 0, message: `500: Emulator error: ${(error as Error).message}` } };
    }
    record.status = result.status;
    const headers: Record<string, string> = { ...this.#rateLimitHeaders(record.route ?? `${method} ${path}`), ...result.headers };
    if (result.body === undefined) {
      response.writeHead(result.status, headers).end();
    } else {
      response.writeHead(result.status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(result.body));
    }
  }

  /** Plausible bucket headers that never make discord.js wait: a roomy limit and a short reset. */
  #rateLimitHeaders(route: string): Record<string, string> {
    return {
      'x-ratelimit-bucket': createHash('sha1').update(route).digest('hex').slice(0, 16),
      'x-ratelimit-limit': '50',
      'x-ratelimit-remaining': '49',
      'x-ratelimit-reset': ((Date.now() + 1000) / 1000).toFixed(3),
      'x-ratelimit-reset-after': '1.000',
    };
  }

  #match(method: string, path: string): { route: Route; params: Record<string, string> } | null {
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, index) => {
        params[key] = decodeURIComponent(m[index + 1]!);
      });
      return { route, params };
    }
    return null;
  }

  #on(method: string, pattern: string, handler: Route['handler'], auth = true): void {
    const keys: string[] = [];
    const source = pattern.replace(/:(\w+)/g, (_, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.#routes.push({ method, pattern, regex: new RegExp(`^${source}/?$`), keys, auth, handler });
  }

  // eslint-disable-next-line max-lines-per-function -- the route table: one short entry per Discord endpoint, read as a list
  #define(): void {
    const { state } = this.core;
    const ok = (body: unknown, status = 200): RouteResult => ({ status, body });
    const noContent = (): RouteResult => ({ status: 204 });

    this.#on('GET', '/gateway', () => ok({ url: this.core.gatewayUrl() }), false);
    this.#on('GET', '/gateway/bot', () =>
      ok({ url: this.core.gatewayUrl(), shards: this.core.recommendedShards, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } }),
    );
    this.#on('GET', '/users/@me', () => ok({ ...state.userJson(state.bot), verified: true, mfa_enabled: false }));
    this.#on('GET', '/users/:user', ({ params }) => {
      const member = state.members.get(params.user!);
      if (!member) throw unknownUser();
      return ok(state.userJson(member.user));
    });
    this.#on('GET', '/applications/@me', () =>
      ok({
        id: state.applicationId,
        name: state.bot.username,
        icon: null,
        description: '',
        bot_public: true,
        bot_require_code_grant: false,
        bot: state.userJson(state.bot),
        verify_key: '0'.repeat(64),
        flags: (1 << 19) | (1 << 15) | (1 << 13),
        team: null,
        owner: state.userJson({ id: state.guild.ownerId, username: 'owner', bot: false }),
        approximate_guild_count: 1,
      }),
    );

    // Command permissions (read-only for bots: Discord takes edits only with a user's Bearer token). Before the
    // command routes, whose `:command` would otherwise swallow the word "permissions".
    const guildScope = (params: Record<string, string>) => {
      if (params.app !== state.applicationId) throw missingAccess();
      if (params.guild !== state.guild.id) throw unknownGuild();
    };
    this.#on('GET', '/applications/:app/guilds/:guild/commands/permissions', ({ params }) => {
      guildScope(params);
      return ok([...state.commandPermissions.keys()].map((id) => state.commandPermissionsJson(id)));
    });
    this.#on('GET', '/applications/:app/guilds/:guild/commands/:command/permissions', ({ params }) => {
      guildScope(params);
      if (!state.commandPermissions.has(params.command!)) throw unknownCommandPermissions();
      return ok(state.commandPermissionsJson(params.command!));
    });

    // Application commands, global and guild.
    for (const scope of ['global', 'guild'] as const) {
      const base = scope === 'global' ? '/applications/:app/commands' : '/applications/:app/guilds/:guild/commands';
      const store = (params: Record<string, string>): Map<string, Json> => {
        if (params.app !== state.applicationId) throw missingAccess();
        if (scope === 'global') return state.globalCommands;
        if (params.guild !== state.guild.id) throw unknownGuild();
        let commands = state.guildCommands.get(params.guild);
        if (!commands) state.guildCommands.set(params.guild, (commands = new Map()));
        return commands;
      };
      const guildId = (params: Record<string, string>) => (scope === 'guild' ? params.guild : undefined);
      this.#on('GET', base, ({ params }) => ok([...store(params).values()]));
      this.#on('PUT', base, ({ params, body }) => {
        const commands = store(params);
        if (!Array.isArray(body)) throw invalidFormBody('_root', 'BASE_TYPE_LIST', 'Must be an array.');
        if (body.length > 100) throw invalidFormBody('_root', 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
        const seen = new Set<string>();
        const next = body.map((input, index) => {
          const key = `${(input as Json).type ?? 1}:${String((input as Json).name)}`;
          if (seen.has(key)) throw invalidFormBody(`${index}.name`, 'APPLICATION_COMMANDS_DUPLICATE_NAME', 'Application command names must be unique');
          seen.add(key);
          const existing = [...commands.values()].find((c) => `${c.type}:${String(c.name)}` === key);
          return this.#command(input, `${index}`, guildId(params), existing);
        });
        commands.clear();
        for (const command of next) commands.set(String(command.id), command);
        return ok(next);
      });
      this.#on('POST', base, ({ params, body }) => {
        const commands = store(params);
        const key = `${(body as Json | undefined)?.type ?? 1}:${String((body as Json | undefined)?.name)}`;
        const existing = [...commands.values()].find((c) => `${c.type}:${String(c.name)}` === key);
        const command = this.#command(body, '', guildId(params), existing);
        commands.set(String(command.id), command);
        return ok(command, existing ? 200 : 201);
      });
      this.#on('GET', `${base}/:command`, ({ params }) => {
        const command = store(params).get(params.command!);
        if (!command) throw unknownCommand();
        return ok(command);
      });
      this.#on('PATCH', `${base}/:command`, ({ params, body }) => {
        const commands = store(params);
        const existing = commands.get(params.command!);
        if (!existing) throw unknownCommand();
        const command = this.#command({ ...existing, ...(body as Json) }, '', guildId(params), existing);
        commands.set(String(command.id), command);
        return ok(command);
      });
      this.#on('DELETE', `${base}/:command`, ({ params }) => {
        if (!store(params).delete(params.command!)) throw unknownCommand();
        return noContent();
      });
    }

    // Interaction callbacks and the interaction webhook.
    this.#on('POST', '/interactions/:interaction/:token/callback', ({ params, query, body }) => this.#callback(params.interaction!, params.token!, query, body), false);
    this.#on(
      'GET',
      '/webhooks/:app/:token/messages/:message',
      ({ params }) => {
        const interaction = this.#webhookInteraction(params);
        return ok(state.messageJson(this.#webhookMessage(interaction, params.message!)));
      },
      false,
    );
    this.#on(
      'PATCH',
      '/webhooks/:app/:token/messages/:message',
      ({ params, body }) => {
        const interaction = this.#webhookInteraction(params);
        const message = this.#webhookMessage(interaction, params.message!);
        const fields = state.readMessageBody(body, { creating: false });
        const isOriginal = message.id === interaction.originalMessageId;
        state.editMessage(message, fields);
        if (isOriginal) interaction.loadingOriginal = false;
        this.#respond(interaction, isOriginal ? { kind: 'editOriginal', messageId: message.id, data: body } : { kind: 'editFollowUp', messageId: message.id, data: body });
        this.#dispatchMessage(GatewayDispatchEvents.MessageUpdate, message);
        return ok(state.messageJson(message));
      },
      false,
    );
    this.#on(
      'DELETE',
      '/webhooks/:app/:token/messages/:message',
      ({ params }) => {
        const interaction = this.#webhookInteraction(params);
        const message = this.#webhookMessage(interaction, params.message!);
        const isOriginal = message.id === interaction.originalMessageId;
        this.#deleteMessage(message);
        this.#respond(interaction, isOriginal ? { kind: 'deleteOriginal', messageId: message.id } : { kind: 'deleteFollowUp', messageId: message.id });
        return noContent();
      },
      false,
    );
    this.#on(
      'POST',
      '/webhooks/:app/:token',
      ({ params, query, body }) => {
        const interaction = this.#webhookInteraction(params);
        if (interaction.callbackType === null) throw unknownWebhook();
        const fields = state.readMessageBody(body, { creating: true });
        let message: StoredMessage;
        if (interaction.loadingOriginal && interaction.originalMessageId) {
          // Discord fills a deferred reply's loading message with the first follow-up instead of posting a new one.
          message = state.message(interaction.originalMessageId);
          state.editMessage(message, { ...fields, flags: undefined });
          message.editedAt = null;
          interaction.loadingOriginal = false;
          this.#dispatchMessage(GatewayDispatchEvents.MessageUpdate, message);
        } else {
          message = state.createMessage({
            channelId: interaction.channelId,
            authorId: state.bot.id,
            body: fields,
            type: MessageType.Default,
            interaction: { id: interaction.id, type: interaction.type, userId: interaction.userId, ...(interaction.commandName ? { name: interaction.commandName } : {}) },
            webhookId: state.applicationId,
          });
          this.#dispatchMessage(GatewayDispatchEvents.MessageCreate, message);
        }
        interaction.followUpIds.push(message.id);
        this.#respond(interaction, { kind: 'followUp', messageId: message.id, data: body });
        return query.get('wait') === 'false' ? noContent() : ok(state.messageJson(message));
      },
      false,
    );

    // Channels and messages.
    this.#on('GET', '/channels/:channel', ({ params }) => {
      const channel = state.channel(params.channel!);
      this.#requireBot(channel.id, PermissionFlagsBits.ViewChannel);
      return ok(state.channelJson(channel));
    });
    this.#on('POST', '/channels/:channel/typing', ({ params }) => {
      this.#requireBot(state.channel(params.channel!).id, PermissionFlagsBits.ViewChannel);
      return noContent();
    });
    this.#on('POST', '/channels/:channel/messages', ({ params, body }) => {
      const channel = state.channel(params.channel!);
      this.#requireBot(channel.id, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages);
      const fields = state.readMessageBody(body, { creating: true });
      const reference = fields.messageReference;
      if (reference && typeof reference.message_id === 'string' && !state.messages.has(reference.message_id) && reference.fail_if_not_exists !== false) {
        throw invalidFormBody('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
      }
      const message = state.createMessage({ channelId: channel.id, authorId: state.bot.id, body: fields });
      this.#dispatchMessage(GatewayDispatchEvents.MessageCreate, message);
      return ok(state.messageJson(message));
    });
    this.#on('GET', '/channels/:channel/messages', ({ params, query }) => {
      const channel = state.channel(params.channel!);
      this.#requireBot(channel.id, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ReadMessageHistory);
      const limit = readLimit(query, 50);
      const history = state.channelHistory(channel.id);
      const before = query.get('before');
      const after = query.get('after');
      const around = query.get('around');
      let page: StoredMessage[];
      if (after) page = history.filter((m) => compareSnowflakes(m.id, after) > 0).slice(0, limit);
      else if (around) {
        const index = history.findIndex((m) => compareSnowflakes(m.id, around) >= 0);
        const start = Math.max(0, (index < 0 ? history.length : index) - Math.floor(limit / 2));
        page = history.slice(start, start + limit);
      } else {
        const older = before ? history.filter((m) => compareSnowflakes(m.id, before) < 0) : history;
        page = older.slice(-limit);
      }
      // Discord lists newest first.
      return ok(page.reverse().map((m) => state.messageJson(m)));
    });
    this.#on('GET', '/channels/:channel/messages/:message', ({ params }) => {
      this.#requireBot(state.channel(params.channel!).id, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ReadMessageHistory);
      const message = state.message(params.message!, params.channel);
      if (message.flags & MessageFlags.Ephemeral) throw unknownMessage();
      return ok(state.messageJson(message));
    });
    this.#on('PATCH', '/channels/:channel/messages/:message', ({ params, body }) => {
      const message = this.#channelMessage(params);
      const fields = state.readMessageBody(body, { creating: false });
      if (message.authorId !== state.bot.id) {
        const onlyFlags = Object.keys(body as Json).every((key) => key === 'flags');
        if (!onlyFlags) throw new DiscordApiError(403, 50005, 'Cannot edit a message authored by another user');
        this.#requireBot(message.channelId, PermissionFlagsBits.ManageMessages);
      }
      state.editMessage(message, fields);
      this.#dispatchMessage(GatewayDispatchEvents.MessageUpdate, message);
      return ok(state.messageJson(message));
    });
    this.#on('DELETE', '/channels/:channel/messages/:message', ({ params }) => {
      const message = this.#channelMessage(params);
      if (message.authorId !== state.bot.id) this.#requireBot(message.channelId, PermissionFlagsBits.ManageMessages);
      this.#deleteMessage(message);
      return noContent();
    });

    // Reactions.
    const reactionBase = '/channels/:channel/messages/:message/reactions';
    this.#on('PUT', `${reactionBase}/:emoji/@me`, ({ params }) => {
      const message = this.#channelMessage(params);
      const emoji = state.parseEmoji(params.emoji!);
      const exists = message.reactions.some((r) => r.key === emoji.key && r.userIds.length > 0);
      this.#requireBot(message.channelId, PermissionFlagsBits.ReadMessageHistory | (exists ? 0n : PermissionFlagsBits.AddReactions));
      const limited = this.#reactionRateLimit(message.channelId);
      if (limited) return limited;
      if (state.addReaction(message, emoji, state.bot.id)) this.#dispatchReaction(GatewayDispatchEvents.MessageReactionAdd, message, emoji, state.bot.id);
      return this.core.reactionIntervalMs !== null ? { status: 204, headers: reactionBucketHeaders(this.core.reactionIntervalMs) } : noContent();
    });
    this.#on('DELETE', `${reactionBase}/:emoji/:user`, ({ params }) => {
      const message = this.#channelMessage(params);
      const emoji = state.parseEmoji(params.emoji!);
      const userId = params.user === '@me' ? state.bot.id : params.user!;
      if (userId !== state.bot.id) this.#requireBot(message.channelId, PermissionFlagsBits.ManageMessages);
      if (state.removeReaction(message, emoji.key, userId)) this.#dispatchReaction(GatewayDispatchEvents.MessageReactionRemove, message, emoji, userId);
      return noContent();
    });
    this.#on('GET', `${reactionBase}/:emoji`, ({ params, query }) => {
      const message = this.#channelMessage(params);
      this.#requireBot(message.channelId, PermissionFlagsBits.ReadMessageHistory);
      const emoji = state.parseEmoji(params.emoji!);
      const limit = readLimit(query, 25);
      const after = query.get('after');
      if (query.get('type') === '1') return ok([]);
      const userIds = [...(message.reactions.find((r) => r.key === emoji.key)?.userIds ?? [])]
        .sort(compareSnowflakes)
        .filter((id) => !after || compareSnowflakes(id, after) > 0)
        .slice(0, limit);
      return ok(userIds.map((id) => state.userJson(state.members.get(id)?.user ?? { id, username: 'unknown', bot: false })));
    });
    this.#on('DELETE', `${reactionBase}/:emoji`, ({ params }) => {
      const message = this.#channelMessage(params);
      const emoji = state.parseEmoji(params.emoji!);
      this.#requireBot(message.channelId, PermissionFlagsBits.ManageMessages);
      message.reactions = message.reactions.filter((r) => r.key !== emoji.key);
      this.core.gateway.dispatch(GatewayDispatchEvents.MessageReactionRemoveEmoji, {
        channel_id: message.channelId,
        guild_id: state.guild.id,
        message_id: message.id,
        emoji: { id: emoji.id, name: emoji.name },
      });
      return noContent();
    });
    this.#on('DELETE', reactionBase, ({ params }) => {
      const message = this.#channelMessage(params);
      this.#requireBot(message.channelId, PermissionFlagsBits.ManageMessages);
      message.reactions = [];
      this.core.gateway.dispatch(GatewayDispatchEvents.MessageReactionRemoveAll, { channel_id: message.channelId, guild_id: state.guild.id, message_id: message.id });
      return noContent();
    });

    // Guild.
    const guild = (params: Record<string, string>) => {
      if (params.guild !== state.guild.id) throw unknownGuild();
    };
    this.#on('GET', '/guilds/:guild', ({ params, query }) => {
      guild(params);
      const counts = query.get('with_counts') === 'true' ? { approximate_member_count: state.members.size, approximate_presence_count: 0 } : {};
      return ok({ ...state.guildJson(), ...counts });
    });
    this.#on('GET', '/guilds/:guild/channels', ({ params }) => {
      guild(params);
      // Since channel obfuscation Discord leaves out the channels the bot cannot view.
      return ok([...state.channels.values()].filter((c) => state.botCanView(c.id)).map((c) => state.channelJson(c)));
    });
    this.#on('GET', '/guilds/:guild/roles', ({ params }) => {
      guild(params);
      return ok([...state.roles.values()].map((r) => state.roleJson(r)));
    });
    this.#on('GET', '/guilds/:guild/members', ({ params, query }) => {
      guild(params);
      const limit = readLimit(query, 1, 1000);
      const after = query.get('after') ?? '0';
      const ids = [...state.members.keys()]
        .sort(compareSnowflakes)
        .filter((id) => compareSnowflakes(id, after) > 0)
        .slice(0, limit);
      return ok(ids.map((id) => state.memberJson(id)));
    });
    this.#on('GET', '/guilds/:guild/members/:user', ({ params }) => {
      guild(params);
      return ok(state.memberJson(params.user!));
    });
  }

  /** Validates and stores an application command payload; keeps the id and bumps the version of a command that already existed. */
  #command(input: unknown, at: string, guildId: string | undefined, existing: Json | undefined): Json {
    const prefix = at ? `${at}.` : '';
    if (!input || typeof input !== 'object') throw invalidFormBody(at || '_root', 'DICT_TYPE_CONVERT', 'Must be an object.');
    const body = input as Json;
    const type = typeof body.type === 'number' ? body.type : 1;
    const name = body.name;
    const chatInput = type === 1;
    if (typeof name !== 'string' || !(chatInput ? /^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u : /^.{1,32}$/u).test(name)) {
      throw invalidFormBody(`${prefix}name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    }
    const description = typeof body.description === 'string' ? body.description : '';
    if (chatInput && (description.length < 1 || description.length > 100)) {
      throw invalidFormBody(`${prefix}description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    const options = (body.options ?? []) as Json[];
    checkCommandOptions(options, `${prefix}options`);
    return {
      id: existing?.id ?? this.core.state.ids.next(),
      application_id: this.core.state.applicationId,
      version: this.core.state.ids.next(),
      default_member_permissions: body.default_member_permissions ?? null,
      type,
      name,
      name_localizations: body.name_localizations ?? null,
      description,
      description_localizations: body.description_localizations ?? null,
      ...(guildId ? { guild_id: guildId } : { dm_permission: body.dm_permission ?? true }),
      options,
      nsfw: body.nsfw ?? false,
      contexts: body.contexts ?? null,
      integration_types: body.integration_types ?? [0],
    };
  }

  #callback(interactionId: string, token: string, query: URLSearchParams, body: unknown): RouteResult {
    const { state } = this.core;
    const interaction = this.core.interactions.get(interactionId);
    if (!interaction || interaction.token !== token) throw unknownInteraction();
    if (interaction.callbackType !== null) throw alreadyAcknowledged();
    const deadline = this.core.interactionDeadlineMs;
    if (deadline !== null && Date.now() - interaction.createdAt > deadline) throw unknownInteraction();
    const payload = (body ?? {}) as { type?: unknown; data?: Json };
    const type = payload.type;
    const allowed: Record<number, number[]> = {
      2: [InteractionResponseType.ChannelMessageWithSource, InteractionResponseType.DeferredChannelMessageWithSource, InteractionResponseType.Modal],
      3: [4, 5, 6, 7, 9],
      4: [InteractionResponseType.ApplicationCommandAutocompleteResult],
      5: interaction.componentMessageId ? [4, 5, 6, 7] : [4, 5],
    };
    if (typeof type !== 'number' || !(allowed[interaction.type] ?? []).includes(type)) {
      throw invalidFormBody('type', 'INTERACTION_RESPONSE_TYPE_INVALID', `Interaction response type ${String(type)} is not valid for interaction type ${interaction.type}`);
    }
    const data = payload.data ?? {};
    const link = { id: interaction.id, type: interaction.type, userId: interaction.userId, ...(interaction.commandName ? { name: interaction.commandName } : {}) };
    let message: StoredMessage | null = null;
    switch (type) {
      case InteractionResponseType.ChannelMessageWithSource:
      case InteractionResponseType.DeferredChannelMessageWithSource: {
        const deferred = type === InteractionResponseType.DeferredChannelMessageWithSource;
        const fields = deferred ? { flags: ((data.flags as number | undefined) ?? 0) & MessageFlags.Ephemeral } : state.readMessageBody(data, { creating: true });
        message = state.createMessage({
          channelId: interaction.channelId,
          authorId: state.bot.id,
          body: deferred ? { ...fields, flags: (fields.flags ?? 0) | MessageFlags.Loading } : fields,
          type: interaction.type === 2 ? MessageType.ChatInputCommand : MessageType.Default,
          interaction: link,
          webhookId: state.applicationId,
        });
        interaction.originalMessageId = message.id;
        interaction.loadingOriginal = deferred;
        this.#dispatchMessage(GatewayDispatchEvents.MessageCreate, message);
        break;
      }
      case InteractionResponseType.DeferredMessageUpdate:
        interaction.originalMessageId = interaction.componentMessageId;
        message = interaction.componentMessageId ? state.message(interaction.componentMessageId) : null;
        break;
      case InteractionResponseType.UpdateMessage: {
        message = state.message(interaction.componentMessageId!);
        state.editMessage(message, state.readMessageBody(data, { creating: false }));
        interaction.originalMessageId = message.id;
        this.#dispatchMessage(GatewayDispatchEvents.MessageUpdate, message);
        break;
      }
      case InteractionResponseType.ApplicationCommandAutocompleteResult:
        checkAutocompleteChoices(data);
        break;
      case InteractionResponseType.Modal: {
        if (typeof data.custom_id !== 'string' || typeof data.title !== 'string' || !Array.isArray(data.components) || data.components.length === 0) {
          throw invalidFormBody('data', 'MODAL_INVALID', 'A modal needs custom_id, title and 1-5 components');
        }
        break;
      }
    }
    interaction.callbackType = type;
    this.#respond(interaction, { kind: 'callback', type, data: payload.data });
    if (query.get('with_response') !== 'true') return { status: 204 };
    return { status: 200, body: this.#callbackResponse(interaction, type, message) };
  }

  /** The body of a callback with `with_response=true`: the interaction and the message it made or updated. */
  #callbackResponse(interaction: StoredInteraction, type: number, message: StoredMessage | null): Json {
    return {
      interaction: {
        id: interaction.id,
        type: interaction.type,
        ...(message
          ? {
              response_message_id: message.id,
              response_message_loading: (message.flags & MessageFlags.Loading) !== 0,
              response_message_ephemeral: (message.flags & MessageFlags.Ephemeral) !== 0,
            }
          : {}),
      },
      resource: { type, ...(message && type !== InteractionResponseType.DeferredMessageUpdate ? { message: this.core.state.messageJson(message) } : {}) },
    };
  }

  #webhookInteraction(params: Record<string, string>): StoredInteraction {
    if (params.app !== this.core.state.applicationId) throw unknownWebhook();
    const interaction = [...this.core.interactions.values()].find((i) => i.token === params.token);
    if (!interaction || Date.now() - interaction.createdAt > INTERACTION_TOKEN_TTL_MS) throw unknownWebhook();
    return interaction;
  }

  #webhookMessage(interaction: StoredInteraction, id: string): StoredMessage {
    const messageId = id === '@original' ? interaction.originalMessageId : id;
    if (!messageId) throw unknownMessage();
    if (messageId !== interaction.originalMessageId && !interaction.followUpIds.includes(messageId)) throw unknownMessage();
    return this.core.state.message(messageId);
  }

  #respond(interaction: StoredInteraction, record: Record<string, unknown>): void {
    const at = Date.now();
    interaction.responses.push({ ...record, at } as StoredInteraction['responses'][number]);
    interaction.lastActivityAt = at;
  }

  /** Discord's order: a channel the bot cannot view is 50001 Missing Access; one it can, without `flags`, 50013. */
  #requireBot(channelId: string, flags: bigint): void {
    const permissions = this.core.state.permissionsIn(this.core.state.bot.id, channelId);
    if ((permissions & PermissionFlagsBits.ViewChannel) === 0n) throw missingAccess();
    if ((permissions & flags) !== flags) throw missingPermissions();
  }

  /** The message of a `/channels/:channel/messages/:message...` route: unknown channel, then no access, then unknown message. */
  #channelMessage(params: Record<string, string>): StoredMessage {
    const channel = this.core.state.channel(params.channel!);
    this.#requireBot(channel.id, PermissionFlagsBits.ViewChannel);
    return this.core.state.message(params.message!, channel.id);
  }

  #reactionRateLimit(channelId: string): RouteResult | null {
    const interval = this.core.reactionIntervalMs;
    if (interval === null) return null;
    const now = Date.now();
    const resetAt = this.#reactionBuckets.get(channelId) ?? 0;
    if (now < resetAt) {
      const retryAfter = (resetAt - now) / 1000;
      return {
        status: 429,
        body: { message: 'You are being rate limited.', retry_after: retryAfter, global: false },
        headers: {
          ...reactionBucketHeaders(interval),
          'retry-after': retryAfter.toFixed(3),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset-after': retryAfter.toFixed(3),
          'x-ratelimit-scope': 'user',
        },
      };
    }
    this.#reactionBuckets.set(channelId, now + interval);
    return null;
  }

  #deleteMessage(message: StoredMessage): void {
    this.core.state.messages.delete(message.id);
    if ((message.flags & MessageFlags.Ephemeral) === 0) {
      this.core.gateway.dispatch(GatewayDispatchEvents.MessageDelete, { id: message.id, channel_id: message.channelId, guild_id: this.core.state.guild.id });
    }
  }

  /** MESSAGE_CREATE/UPDATE for a non-ephemeral message, with guild_id and the author's member as Discord sends them. */
  #dispatchMessage(t: GatewayDispatchEvents, message: StoredMessage): void {
    dispatchMessage(this.core, t, message);
  }

  #dispatchReaction(t: GatewayDispatchEvents, message: StoredMessage, emoji: { id: string | null; name: string; animated?: boolean }, userId: string): void {
    dispatchReaction(this.core, t, message, emoji, userId);
  }
}

/** Sends MESSAGE_CREATE/UPDATE for a message unless it is ephemeral (those never reach the gateway). */
export function dispatchMessage(core: Pick<RestCore, 'state' | 'gateway'>, t: GatewayDispatchEvents, message: StoredMessage): void {
  if (message.flags & MessageFlags.Ephemeral) return;
  const { user: _user, ...member } = core.state.members.has(message.authorId) ? core.state.memberJson(message.authorId) : { user: null };
  core.gateway.dispatch(t, { ...core.state.messageJson(message), guild_id: core.state.guild.id, ...(message.webhookId ? {} : { member }) });
}

/** Sends MESSAGE_REACTION_ADD/REMOVE as Discord shapes them (ADD carries the member and the message author). */
export function dispatchReaction(
  core: Pick<RestCore, 'state' | 'gateway'>,
  t: GatewayDispatchEvents,
  message: StoredMessage,
  emoji: { id: string | null; name: string; animated?: boolean },
  userId: string,
): void {
  const base = {
    user_id: userId,
    channel_id: message.channelId,
    message_id: message.id,
    guild_id: core.state.guild.id,
    emoji: emoji.id ? { id: emoji.id, name: emoji.name, animated: emoji.animated ?? false } : { id: null, name: emoji.name },
    burst: false,
    type: 0,
  };
  if (t === GatewayDispatchEvents.MessageReactionAdd) {
    core.gateway.dispatch(t, { ...base, member: core.state.memberJson(userId), message_author_id: message.authorId, burst_colors: [] });
  } else {
    core.gateway.dispatch(t, base);
  }
}

function reactionBucketHeaders(intervalMs: number): Record<string, string> {
  return { 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': (intervalMs / 1000).toFixed(3), 'x-ratelimit-bucket': 'emulator-reactions' };
}

function readLimit(query: URLSearchParams, fallback: number, max = 100): number {
  const raw = query.get('limit');
  if (raw === null) return fallback;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw invalidFormBody('limit', 'NUMBER_TYPE_MAX', `Must be between 1 and ${max}.`);
  return limit;
}

function checkCommandOptions(options: Json[], at: string): void {
  if (!Array.isArray(options)) throw invalidFormBody(at, 'BASE_TYPE_LIST', 'Must be an array.');
  if (options.length > 25) throw invalidFormBody(at, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  const names = new Set<string>();
  let sawOptional = false;
  options.forEach((option, index) => {
    const here = `${at}.${index}`;
    if (typeof option.name !== 'string' || !/^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u.test(option.name)) {
      throw invalidFormBody(`${here}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    }
    if (names.has(option.name)) throw invalidFormBody(`${here}.name`, 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', 'Option names must be unique');
    names.add(option.name);
    if (typeof option.description !== 'string' || option.description.length < 1 || option.description.length > 100) {
      throw invalidFormBody(`${here}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    const isSub = option.type === 1 || option.type === 2;
    if (!isSub) {
      if (option.required && sawOptional) throw invalidFormBody(`${here}.required`, 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
      if (!option.required) sawOptional = true;
    }
    if (Array.isArray(option.choices) && option.choices.length > 25) throw invalidFormBody(`${here}.choices`, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    if (option.autocomplete && Array.isArray(option.choices) && option.choices.length > 0) {
      throw invalidFormBody(`${here}.autocomplete`, 'APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_CHOICES', 'Autocomplete cannot be set with choices');
    }
    if (isSub && option.options !== undefined) checkCommandOptions(option.options as Json[], `${here}.options`);
  });
}

async function readBody(request: IncomingMessage): Promise<{ body: unknown; files: string[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  if (raw.length === 0) return { body: undefined, files: [] };
  const type = request.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: string[] = [];
    let body: unknown;
    for (const [key, value] of form.entries()) {
      if (key === 'payload_json' && typeof value === 'string') body = JSON.parse(value);
      else if (typeof value !== 'string') files.push(value.name);
    }
    return { body, files };
  }
  try {
    return { body: JSON.parse(raw.toString('utf8')), files: [] };
  } catch {
    throw new DiscordApiError(400, 50109, 'The request body contains invalid JSON.');
  }
}

/** Discord's limits on autocomplete choices: at most 25, names of 1-100 characters, string values of at most 100. */
function checkAutocompleteChoices(data: Json): void {
  const choices = (data.choices ?? []) as Json[];
  if (!Array.isArray(choices) || choices.length > 25) throw invalidFormBody('data.choices', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  choices.forEach((choice, index) => {
    const name = choice.name;
    if (typeof name !== 'string' || name.length < 1 || name.length > 100) {
      throw invalidFormBody(`data.choices.${index}.name`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    if (typeof choice.value === 'string' && choice.value.length > 100) {
      throw invalidFormBody(`data.choices.${index}.value`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
  });
}
