export { DiscordEmulator, startDiscordEmulator } from './emulator.ts';
export { DiscordApiError } from './errors.ts';
export { DISCORD_EPOCH, isSnowflake, snowflakeTime } from './snowflake.ts';
export { DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS } from './state.ts';
export type * from './types.ts';
export { SCHEDULED_EVENT, type EmulatedScheduledEvent } from './scheduled-events.ts';
