import type { PrismaClient } from '../src/db/client.ts';
import { Prisma } from '../src/generated/prisma/client.ts';
import type { Logger } from '../src/log.ts';

export interface PruneDeps {
  prisma: PrismaClient;
  logger?: Logger;
}

export interface PruneSettings {
  /** SUGGESTION_RETENTION_DAYS: suggestion records nobody reacted on are kept this long. */
  suggestionRetentionDays: number;
  /** RECONCILE_WINDOW_DAYS: reconciliation revisits suggestions this young, so they are never pruned earlier. */
  reconcileWindowDays: number;
  /** Delivered outbox events are kept this long for inspection (default 24 hours). */
  deliveredOutboxHours?: number;
  /** Rows deleted per statement (default 5,000), so no statement holds many locks for long. */
  batchSize?: number;
}

/** Rows the prune removed. */
export interface PruneResult {
  outboxEvents: number;
  suggestions: number;
  forgottenReactions: number;
  /** Provider responses (src/providers/cache.ts) past their expiry. */
  providerResponses: number;
}

/** The time a statement runs, as the UTC wall clock the timestamp columns hold (see src/ratings/store.ts). */
const NOW = Prisma.sql`(statement_timestamp() AT TIME ZONE 'UTC')`;

/**
 * Keeps outbox_events, suggestions and forgotten_reactions from growing without bound:
 * - delivered outbox events older than `deliveredOutboxHours` go (undelivered ones always stay: they are work);
 * - a suggestion record goes once it is older than both SUGGESTION_RETENTION_DAYS and RECONCILE_WINDOW_DAYS
 *   (reconciliation no longer looks at it) and nobody holds a stored reaction on it. A held reaction is what
 *   "needs" the record: the newest held rating reaction over a title's suggestions is the member's rating, an
 *   older one decides again when the newer goes, a held 🙈 hides the title, and Discord keeps delivering
 *   reaction removals on old messages, which must still find the title. A record nobody reacted on decides
 *   nobody's rating; a reaction added on it after the prune is not counted (the title can still be rated).
 * - forgotten-reaction tokens go once their message is past RECONCILE_WINDOW_DAYS: only reconciliation reads them.
 * - cached provider responses go once expired (the cache never answers with them).
 */
export async function pruneRetention(deps: PruneDeps, settings: PruneSettings): Promise<PruneResult> {
  const { prisma } = deps;
  const batch = settings.batchSize ?? 5_000;
  const outboxCutoff = Prisma.sql`${NOW} - make_interval(hours => ${settings.deliveredOutboxHours ?? 24}::int)`;
  const reconcileCutoff = Prisma.sql`${NOW} - make_interval(days => ${settings.reconcileWindowDays}::int)`;
  const suggestionDays = Math.max(settings.suggestionRetentionDays, settings.reconcileWindowDays);
  const suggestionCutoff = Prisma.sql`${NOW} - make_interval(days => ${suggestionDays}::int)`;

  const outboxEvents = await inBatches(batch, async () => {
    const n = await prisma.$executeRaw`DELETE FROM outbox_events WHERE id IN (
      SELECT id FROM outbox_events WHERE dispatched_at IS NOT NULL AND dispatched_at < ${outboxCutoff} ORDER BY dispatched_at, id LIMIT ${batch})`;
    return { seen: n, deleted: n };
  });
  const forgottenReactions = await prisma.$executeRaw`
    DELETE FROM forgotten_reactions f USING suggestions s WHERE s.message_id = f.message_id AND s.created_at < ${reconcileCutoff}`;
  const suggestions = await inBatches(batch, () => pruneSuggestionBatch(prisma, suggestionCutoff, batch));
  const providerResponses = await inBatches(batch, async () => {
    const n = await prisma.$executeRaw`DELETE FROM provider_responses WHERE key IN (
      SELECT key FROM provider_responses WHERE expires_at <= ${NOW} LIMIT ${batch})`;
    return { seen: n, deleted: n };
  });
  const result = { outboxEvents, suggestions, forgottenReactions, providerResponses };
  deps.logger?.info({ ...result, suggestionDays }, 'pruned retained rows');
  return result;
}

/**
 * One batch of unreacted old suggestions. The rows are locked first (a reaction being stored on one holds a
 * key-share lock on it, so SKIP LOCKED passes it by, and once locked no new reaction can reference it); the
 * delete then checks for reactions again with a fresh snapshot, so one committed meanwhile keeps its row.
 */
async function pruneSuggestionBatch(prisma: PrismaClient, cutoff: Prisma.Sql, batch: number): Promise<{ seen: number; deleted: number }> {
  return prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ messageId: string }[]>`
      SELECT message_id AS "messageId" FROM suggestions s
      WHERE s.created_at < ${cutoff} AND NOT EXISTS (SELECT 1 FROM suggestion_reactions r WHERE r.message_id = s.message_id)
      ORDER BY s.created_at LIMIT ${batch} FOR UPDATE SKIP LOCKED`;
    if (locked.length === 0) return { seen: 0, deleted: 0 };
    const deleted = await tx.$executeRaw`
      DELETE FROM suggestions s WHERE s.message_id = ANY (${locked.map((l) => l.messageId)}::text[])
      AND NOT EXISTS (SELECT 1 FROM suggestion_reactions r WHERE r.message_id = s.message_id)`;
    return { seen: locked.length, deleted };
  });
}

/** Runs `step` until it sees less than a full batch; the total deleted. */
async function inBatches(batch: number, step: () => Promise<{ seen: number; deleted: number }>): Promise<number> {
  let total = 0;
  for (;;) {
    const { seen, deleted } = await step();
    total += deleted;
    if (seen < batch) return total;
  }
}
