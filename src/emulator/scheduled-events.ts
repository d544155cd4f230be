import { GatewayDispatchEvents, PermissionFlagsBits } from 'discord.js';
import { DiscordApiError, invalidFormBody, missingPermissions, unknownGuild } from './errors.ts';
import type { Gateway } from './gateway.ts';
import type { EmulatorState } from './state.ts';

type Json = Record<string, unknown>;

/** Discord's GuildScheduledEventEntityType, PrivacyLevel and Status values the emulator models. */
export const SCHEDULED_EVENT = {
  entityType: { stageInstance: 1, voice: 2, external: 3 },
  privacyLevel: { guildOnly: 2 },
  status: { scheduled: 1, active: 2, completed: 3, canceled: 4 },
} as const;

/** A guild scheduled event as Discord returns it (the fields discord.js reads). */
export interface EmulatedScheduledEvent {
  id: string;
  guild_id: string;
  channel_id: string | null;
  creator_id: string;
  name: string;
  description: string | null;
  scheduled_start_time: string;
  scheduled_end_time: string | null;
  privacy_level: number;
  status: number;
  entity_type: number;
  entity_id: null;
  entity_metadata: { location: string } | null;
  user_count: number;
  image: null;
}

const unknownScheduledEvent = () => new DiscordApiError(404, 10070, 'Unknown Guild Scheduled Event');

/** Reads an ISO8601 time field, or throws Discord's form error for it. */
function isoTime(body: Json, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw invalidFormBody(field, 'DATE_TIME_TYPE_PARSE', 'Could not parse value. Should be ISO8601.');
  return new Date(value).toISOString();
}

/**
 * Guild scheduled events: the state and the REST routes `GET|POST /guilds/{guild}/scheduled-events` and
 * `GET|PATCH|DELETE /guilds/{guild}/scheduled-events/{id}`, with Discord's rules for EXTERNAL events (no
 * channel, `entity_metadata.location` and `scheduled_end_time` required, end after start, start in the
 * future on create), MANAGE_EVENTS checked on the bot, and GUILD_SCHEDULED_EVENT_CREATE/UPDATE/DELETE dispatched.
 */
export class ScheduledEvents {
  readonly events = new Map<string, EmulatedScheduledEvent>();

  constructor(
    private readonly state: EmulatorState,
    private readonly gateway: Gateway,
  ) {}

  /** The route table entries, for the REST API to register. */
  routes(): { method: string; pattern: string; handler: (ctx: { params: Record<string, string>; body: unknown }) => { status: number; body?: unknown } }[] {
    const base = '/guilds/:guild/scheduled-events';
    return [
      { method: 'GET', pattern: base, handler: ({ params }) => (this.#guild(params), { status: 200, body: [...this.events.values()] }) },
      { method: 'POST', pattern: base, handler: ({ params, body }) => ({ status: 200, body: this.create(params, body as Json) }) },
      { method: 'GET', pattern: `${base}/:event`, handler: ({ params }) => ({ status: 200, body: this.#event(params) }) },
      { method: 'PATCH', pattern: `${base}/:event`, handler: ({ params, body }) => ({ status: 200, body: this.update(params, body as Json) }) },
      { method: 'DELETE', pattern: `${base}/:event`, handler: ({ params }) => (this.remove(params), { status: 204 }) },
    ];
  }

  create(params: Record<string, string>, body: Json): EmulatedScheduledEvent {
    this.#guild(params);
    this.#requireManageEvents();
    if (typeof body.name !== 'string' || body.name.length < 1 || body.name.length > 100) throw invalidFormBody('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    if (body.privacy_level !== SCHEDULED_EVENT.privacyLevel.guildOnly) throw invalidFormBody('privacy_level', 'BASE_TYPE_CHOICES', 'Value must be one of {2}.');
    const start = isoTime(body, 'scheduled_start_time');
    if (!start) throw invalidFormBody('scheduled_start_time', 'BASE_TYPE_REQUIRED', 'This field is required');
    if (Date.parse(start) < Date.now()) throw invalidFormBody('scheduled_start_time', 'GUILD_SCHEDULED_EVENT_SCHEDULE_PAST', 'Cannot schedule event in the past.');
    const event: EmulatedScheduledEvent = {
      id: this.state.ids.next(),
      guild_id: this.state.guild.id,
      channel_id: null,
      creator_id: this.state.bot.id,
      name: body.name,
      description: typeof body.description === 'string' ? body.description : null,
      scheduled_start_time: start,
      scheduled_end_time: isoTime(body, 'scheduled_end_time') ?? null,
      privacy_level: SCHEDULED_EVENT.privacyLevel.guildOnly,
      status: SCHEDULED_EVENT.status.scheduled,
      entity_type: Number(body.entity_type),
      entity_id: null,
      entity_metadata: (body.entity_metadata as { location: string } | undefined) ?? null,
      user_count: 0,
      image: null,
    };
    this.#validate(event, body);
    this.events.set(event.id, event);
    this.gateway.dispatch(GatewayDispatchEvents.GuildScheduledEventCreate, event);
    return event;
  }

  update(params: Record<string, string>, body: Json): EmulatedScheduledEvent {
    const current = this.#event(params);
    this.#requireManageEvents();
    const next: EmulatedScheduledEvent = { ...current };
    if (body.name !== undefined) {
      if (typeof body.name !== 'string' || body.name.length < 1 || body.name.length > 100) throw invalidFormBody('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      next.name = body.name;
    }
    if (body.description !== undefined) next.description = typeof body.description === 'string' ? body.description : null;
    next.scheduled_start_time = isoTime(body, 'scheduled_start_time') ?? next.scheduled_start_time;
    next.scheduled_end_time = isoTime(body, 'scheduled_end_time') ?? next.scheduled_end_time;
    if (body.entity_metadata !== undefined) next.entity_metadata = body.entity_metadata as { location: string } | null;
    if (body.status !== undefined) next.status = Number(body.status);
    this.#validate(next, body);
    this.events.set(next.id, next);
    this.gateway.dispatch(GatewayDispatchEvents.GuildScheduledEventUpdate, next);
    return next;
  }

  remove(params: Record<string, string>): void {
    const event = this.#event(params);
    this.#requireManageEvents();
    this.events.delete(event.id);
    this.gateway.dispatch(GatewayDispatchEvents.GuildScheduledEventDelete, event);
  }

  #validate(event: EmulatedScheduledEvent, body: Json): void {
    if (event.entity_type !== SCHEDULED_EVENT.entityType.external) {
      // Stage and voice events need channels the emulator does not model.
      throw invalidFormBody('entity_type', 'BASE_TYPE_CHOICES', 'The emulator models EXTERNAL (3) events only.');
    }
    if (body.channel_id !== undefined && body.channel_id !== null) throw invalidFormBody('channel_id', 'GUILD_SCHEDULED_EVENT_CHANNEL_ID_INVALID', 'External events cannot have a channel.');
    const location = event.entity_metadata?.location;
    if (typeof location !== 'string' || location.length < 1 || location.length > 100) throw invalidFormBody('entity_metadata.location', 'BASE_TYPE_REQUIRED', 'This field is required');
    if (!event.scheduled_end_time) throw invalidFormBody('scheduled_end_time', 'BASE_TYPE_REQUIRED', 'This field is required');
    if (Date.parse(event.scheduled_end_time) <= Date.parse(event.scheduled_start_time)) {
      throw invalidFormBody('scheduled_end_time', 'GUILD_SCHEDULED_EVENT_END_BEFORE_START', 'The end time must be after the start time.');
    }
  }

  #guild(params: Record<string, string>): void {
    if (params.guild !== this.state.guild.id) throw unknownGuild();
  }

  #event(params: Record<string, string>): EmulatedScheduledEvent {
    this.#guild(params);
    const event = this.events.get(params.event!);
    if (!event) throw unknownScheduledEvent();
    return event;
  }

  #requireManageEvents(): void {
    if ((this.state.permissionsOf(this.state.bot.id) & PermissionFlagsBits.ManageEvents) === 0n) throw missingPermissions();
  }
}
