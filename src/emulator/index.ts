/**
 * A local Discord (REST and gateway, README.md here) and, in `providers/`, local catalogue providers: for
 * `tastebud try` and the tests.
 *
 * Imports nothing of the project but `src/lib`, since it speaks only the wire protocols; and only `src/try`,
 * tests and benchmarks import it, never production code. Enforced by `.dependency-cruiser.cjs`
 * (`npm run lint:deps`).
 */
export { DiscordEmulator, startDiscordEmulator } from './emulator.ts';
export { DiscordApiError } from './errors.ts';
export { DISCORD_EPOCH, isSnowflake, snowflakeTime } from './snowflake.ts';
export { DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS } from './state.ts';
export type * from './types.ts';
export { SCHEDULED_EVENT, type EmulatedScheduledEvent } from './scheduled-events.ts';
