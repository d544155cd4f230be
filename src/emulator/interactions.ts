import { ApplicationCommandOptionType, type APIApplicationCommandOptionChoice, type APIEmbed } from 'discord.js';
import type { EmulatorState, StoredMessage } from './state.ts';
import type { CommandOptionsInput, EmulatedMessage, InteractionHandle, InteractionResponseRecord, SettleOptions } from './types.ts';

type Json = Record<string, unknown>;

/** What the emulator remembers about an interaction it dispatched. */
export interface StoredInteraction {
  id: string;
  token: string;
  /** 2 command, 3 component, 4 autocomplete, 5 modal submit. */
  type: number;
  userId: string;
  channelId: string;
  commandName: string | null;
  createdAt: number;
  /** Type of the first callback, once the bot sent one. */
  callbackType: number | null;
  /** The message `@original` refers to: the response message, or for component interactions the message the component is on. */
  originalMessageId: string | null;
  /** For component interactions (and modals opened from them): the message the component is on. */
  componentMessageId: string | null;
  /** Set after a type 5 defer until the first edit or follow-up fills the loading message. */
  loadingOriginal: boolean;
  followUpIds: string[];
  responses: InteractionResponseRecord[];
  lastActivityAt: number;
}

/** Thrown for test-driver mistakes (unknown command, bad option...), with what was wrong and what exists. */
function driverError(message: string): Error {
  return new Error(`Discord emulator: ${message}`);
}

interface OptionDefinition {
  type: number;
  name: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: { name: string; value: string | number }[];
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  options?: OptionDefinition[];
}

function normalizeInput(options: CommandOptionsInput | undefined): { name: string; value: string | number | boolean }[] {
  if (!options) return [];
  return Array.isArray(options) ? options : Object.entries(options).map(([name, value]) => ({ name, value }));
}

/**
 * Builds `data.options` (and `data.resolved`) of an application command interaction from the command
 * as the bot registered it, typing each value as Discord would and refusing what Discord's client
 * would never send (unknown options, missing required ones, values outside choices or bounds).
 */
export function buildCommandOptions(
  state: EmulatorState,
  command: Json,
  input: { options?: CommandOptionsInput; subcommand?: string; userId: string; channelId: string },
  focused?: { name: string; value: string },
): { options: Json[]; resolved: Json | undefined } {
  const commandName = String(command.name);
  const top = (command.options ?? []) as OptionDefinition[];
  const resolved: Record<string, Json> = {};
  const path = input.subcommand?.trim().split(/\s+/) ?? [];
  const hasSubcommands = top.some((o) => o.type === ApplicationCommandOptionType.Subcommand || o.type === ApplicationCommandOptionType.SubcommandGroup);
  if (hasSubcommands && path.length === 0) {
    throw driverError(`/${commandName} needs a subcommand; it has ${top.map((o) => o.name).join(', ')}`);
  }
  if (!hasSubcommands && path.length > 0) throw driverError(`/${commandName} has no subcommands, but subcommand '${input.subcommand}' was given`);

  let leafDefinitions = top;
  const wrap: ((inner: Json[]) => Json[])[] = [];
  for (const [depth, part] of path.entries()) {
    const wanted = depth === 0 && path.length === 2 ? ApplicationCommandOptionType.SubcommandGroup : ApplicationCommandOptionType.Subcommand;
    const definition = leafDefinitions.find((o) => o.name === part && o.type === wanted);
    if (!definition) {
      throw driverError(
        `/${commandName} has no ${wanted === ApplicationCommandOptionType.Subcommand ? 'subcommand' : 'subcommand group'} '${part}'; it has ${leafDefinitions.map((o) => o.name).join(', ')}`,
      );
    }
    wrap.push((inner) => [{ type: definition.type, name: definition.name, options: inner }]);
    leafDefinitions = definition.options ?? [];
  }

  const given = normalizeInput(input.options);
  const values: Json[] = [];
  const label = `/${[commandName, ...path].join(' ')}`;
  for (const { name, value } of given) {
    const definition = leafDefinitions.find((o) => o.name === name);
    if (!definition) throw driverError(`${label} has no option '${name}'; its options are ${leafDefinitions.map((o) => o.name).join(', ') || '(none)'}`);
    if (focused && name === focused.name) continue;
    values.push({ type: definition.type, name, value: typeOptionValue(state, label, definition, value, resolved, input) });
  }
  if (focused) {
    const definition = leafDefinitions.find((o) => o.name === focused.name);
    if (!definition) throw driverError(`${label} has no option '${focused.name}' to autocomplete; its options are ${leafDefinitions.map((o) => o.name).join(', ')}`);
    if (!definition.autocomplete) throw driverError(`option '${focused.name}' of ${label} was not registered with autocomplete: true`);
    values.push({ type: definition.type, name: focused.name, value: focused.value, focused: true });
  } else {
    const missing = leafDefinitions.filter((o) => o.required && !given.some((g) => g.name === o.name)).map((o) => o.name);
    if (missing.length > 0) throw driverError(`${label} needs option(s) ${missing.join(', ')} (required in the registered command)`);
  }

  let options: Json[] = values;
  for (const w of wrap.reverse()) options = w(options);
  return { options, resolved: Object.keys(resolved).length > 0 ? resolved : undefined };
}

function typeOptionValue(
  state: EmulatorState,
  label: string,
  definition: OptionDefinition,
  raw: string | number | boolean,
  resolved: Record<string, Json>,
  invocation: { userId: string; channelId: string },
): string | number | boolean {
  // Resolved members and channels carry permissions in the interaction's channel, without implicit removals, as Discord's do.
  const permissionsIn = (userId: string, channelId: string) => state.permissionsIn(userId, channelId, { implicit: false }).toString();
  const where = `option '${definition.name}' of ${label}`;
  const checkChoices = (value: string | number) => {
    if (definition.choices && definition.choices.length > 0 && !definition.choices.some((c) => c.value === value)) {
      throw driverError(`${where} must be one of ${definition.choices.map((c) => JSON.stringify(c.value)).join(', ')}, not ${JSON.stringify(value)}`);
    }
  };
  const addResolved = (kind: string, id: string, json: Json) => {
    resolved[kind] = { ...(resolved[kind] ?? {}), [id]: json };
  };
  switch (definition.type) {
    case ApplicationCommandOptionType.String: {
      if (typeof raw !== 'string') throw driverError(`${where} is a string option; got ${JSON.stringify(raw)}`);
      const length = [...raw].length;
      if (definition.min_length !== undefined && length < definition.min_length) throw driverError(`${where} must be at least ${definition.min_length} characters`);
      if (definition.max_length !== undefined && length > definition.max_length) throw driverError(`${where} must be at most ${definition.max_length} characters`);
      checkChoices(raw);
      return raw;
    }
    case ApplicationCommandOptionType.Integer:
    case ApplicationCommandOptionType.Number: {
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      const integer = definition.type === ApplicationCommandOptionType.Integer;
      if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
        throw driverError(`${where} is ${integer ? 'an integer' : 'a number'} option; got ${JSON.stringify(raw)}`);
      }
      if (definition.min_value !== undefined && value < definition.min_value) throw driverError(`${where} must be at least ${definition.min_value}; got ${value}`);
      if (definition.max_value !== undefined && value > definition.max_value) throw driverError(`${where} must be at most ${definition.max_value}; got ${value}`);
      checkChoices(value);
      return value;
    }
    case ApplicationCommandOptionType.Boolean:
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw driverError(`${where} is a boolean option; got ${JSON.stringify(raw)}`);
    case ApplicationCommandOptionType.User:
    case ApplicationCommandOptionType.Mentionable: {
      const id = String(raw);
      const member = state.members.get(id);
      if (member) {
        addResolved('users', id, state.userJson(member.user));
        const { user: _user, ...memberJson } = state.memberJson(id);
        addResolved('members', id, { ...memberJson, permissions: permissionsIn(id, invocation.channelId) });
        return id;
      }
      const role = definition.type === ApplicationCommandOptionType.Mentionable ? state.roles.get(id) : undefined;
      if (role) {
        addResolved('roles', id, state.roleJson(role));
        return id;
      }
      throw driverError(`${where}: ${id} is not a member${definition.type === ApplicationCommandOptionType.Mentionable ? ' or role' : ''} of the emulated guild`);
    }
    case ApplicationCommandOptionType.Channel: {
      const channel = state.channels.get(String(raw));
      if (!channel) throw driverError(`${where}: ${String(raw)} is not a channel of the emulated guild`);
      addResolved('channels', channel.id, { id: channel.id, name: channel.name, type: channel.type, permissions: permissionsIn(invocation.userId, channel.id) });
      return channel.id;
    }
    case ApplicationCommandOptionType.Role: {
      const role = state.roles.get(String(raw));
      if (!role) throw driverError(`${where}: ${String(raw)} is not a role of the emulated guild`);
      addResolved('roles', role.id, state.roleJson(role));
      return role.id;
    }
    default:
      throw driverError(`${where} has option type ${definition.type}, which the emulator cannot fill in`);
  }
}

/** Finds a registered command by name: guild commands first (they shadow global ones in Discord's UI), then global. */
export function findCommand(state: EmulatorState, name: string, type = 1): Json {
  const guild = [...(state.guildCommands.get(state.guild.id)?.values() ?? [])];
  const global = [...state.globalCommands.values()];
  const command = [...guild, ...global].find((c) => c.name === name && (c.type ?? 1) === type);
  if (!command) {
    const names = [...guild, ...global].map((c) => String(c.name));
    throw driverError(`no command '${name}' is registered${names.length ? `; registered: ${names.join(', ')}` : ' (the bot registered none yet)'}`);
  }
  return command;
}

/** Finds a component by custom_id anywhere in a message's component tree. */
export function findComponent(components: unknown, customId: string): Json | undefined {
  if (Array.isArray(components)) {
    for (const child of components) {
      const found = findComponent(child, customId);
      if (found) return found;
    }
    return undefined;
  }
  if (components && typeof components === 'object') {
    const node = components as Json;
    if (node.custom_id === customId) return node;
    return findComponent(node.components, customId) ?? findComponent(node.accessory, customId);
  }
  return undefined;
}

/** Test-facing handle over a {@link StoredInteraction}. */
export class InteractionHandleImpl implements InteractionHandle {
  constructor(
    private readonly interaction: StoredInteraction,
    private readonly state: EmulatorState,
  ) {}

  get id(): string {
    return this.interaction.id;
  }

  get token(): string {
    return this.interaction.token;
  }

  get type(): number {
    return this.interaction.type;
  }

  get responses(): InteractionResponseRecord[] {
    return structuredClone(this.interaction.responses);
  }

  async reply({ timeoutMs = 5000 }: { timeoutMs?: number } = {}): Promise<Extract<InteractionResponseRecord, { kind: 'callback' }>> {
    await waitUntil(() => this.interaction.callbackType !== null, timeoutMs);
    const callback = this.interaction.responses.find((r) => r.kind === 'callback');
    if (!callback || callback.kind !== 'callback') {
      throw driverError(`interaction ${this.id} (${this.interaction.commandName ?? `type ${this.type}`}) got no callback within ${timeoutMs} ms`);
    }
    return structuredClone(callback);
  }

  async settled({ quietMs = 200, timeoutMs = 10_000 }: SettleOptions = {}): Promise<InteractionHandle> {
    const deadline = Date.now() + timeoutMs;
    await waitUntil(
      () => {
        const i = this.interaction;
        if (i.callbackType === null) return false;
        // A "thinking..." defer is never a final answer; a deferUpdate (6) often is (e.g. a vote button).
        if (i.callbackType === 5 && i.responses.length === 1) return false;
        return Date.now() - i.lastActivityAt >= quietMs;
      },
      Math.max(0, deadline - Date.now()),
    ).catch(() => undefined);
    return this;
  }

  original(): EmulatedMessage | undefined {
    const id = this.interaction.originalMessageId;
    const message = id ? this.state.messages.get(id) : undefined;
    return message ? this.state.messageView(message) : undefined;
  }

  finalContent(): string | undefined {
    return this.original()?.content;
  }

  finalEmbeds(): APIEmbed[] {
    return this.original()?.embeds ?? [];
  }

  finalComponents(): EmulatedMessage['components'] {
    return this.original()?.components ?? [];
  }

  followUps(): EmulatedMessage[] {
    return this.interaction.followUpIds
      .map((id) => this.state.messages.get(id))
      .filter((m): m is StoredMessage => m !== undefined)
      .map((m) => this.state.messageView(m));
  }

  modal(): unknown {
    const callback = this.interaction.responses.find((r) => r.kind === 'callback' && r.type === 9);
    return callback && callback.kind === 'callback' ? structuredClone(callback.data) : undefined;
  }

  choices(): APIApplicationCommandOptionChoice[] | undefined {
    const callback = this.interaction.responses.find((r) => r.kind === 'callback' && r.type === 8);
    if (!callback || callback.kind !== 'callback') return undefined;
    return structuredClone(((callback.data ?? {}) as { choices?: APIApplicationCommandOptionChoice[] }).choices ?? []);
  }
}

/** Polls `condition` every 10 ms; rejects after `timeoutMs`. */
export function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      let ok: boolean;
      try {
        ok = condition();
      } catch (error) {
        reject(error);
        return;
      }
      if (ok) resolve();
      else if (Date.now() - started >= timeoutMs) reject(new Error(`condition not met within ${timeoutMs} ms`));
      else setTimeout(check, 10);
    };
    check();
  });
}
