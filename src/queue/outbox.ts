import type { PrismaClient } from '../db/client.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { Logger } from '../log.ts';
import { OUTBOX_KIND } from './names.ts';
import { enqueueUserEmbedding, type Queues } from './queues.ts';

/** One outbox row as the dispatcher hands it to a sink. */
export interface OutboxEventRow {
  id: bigint;
  kind: string;
  payload: unknown;
}

/** Puts one event onto its queue; throws when it could not (the row then stays undispatched). */
export type OutboxSink = (event: OutboxEventRow) => Promise<void>;

/** An outbox row whose kind or payload no sink understands; it is marked so it stops blocking the queue. */
export class UnknownOutboxEventError extends Error {
  override name = 'UnknownOutboxEventError';
}

/**
 * The SQL that writes a "rebuild this user's vector" event, to embed in the statement that changed their
 * ratings so both commit together: `userId` is a value or a column of `from` (e.g. `FROM rated`), which
 * can also make the row conditional.
 */
export function userEmbeddingEventSql(userId: Prisma.Sql | number, from: Prisma.Sql = Prisma.empty): Prisma.Sql {
  return Prisma.sql`INSERT INTO outbox_events (kind, payload) SELECT ${OUTBOX_KIND.userEmbedding}, jsonb_build_object('userId', ${userId}::int) ${from}`;
}

/** The sink that moves outbox events to BullMQ. */
export function queueSink(queues: Pick<Queues, 'userEmbedding'>): OutboxSink {
  return async (event) => {
    if (event.kind === OUTBOX_KIND.userEmbedding) {
      const userId = (event.payload as { userId?: unknown } | null)?.userId;
      if (typeof userId !== 'number' || !Number.isInteger(userId)) {
        throw new UnknownOutboxEventError(`Outbox event ${event.id} (${event.kind}) has no integer userId in its payload.`);
      }
      await enqueueUserEmbedding(queues.userEmbedding, userId);
      return;
    }
    throw new UnknownOutboxEventError(`Outbox event ${event.id} has unknown kind "${event.kind}".`);
  };
}

export interface OutboxDispatcherOptions {
  prisma: PrismaClient;
  sink: OutboxSink;
  logger?: Logger;
  /** Rows moved per round (default 100). */
  batchSize?: number;
  /** Period of the background sweep that retries what failed (default 5,000 ms). */
  intervalMs?: number;
}

/** Attempts after which an event is logged as stuck (it is still retried). */
const STUCK_AFTER = 10;

/**
 * Moves undispatched outbox rows to the queues: right after a commit (`kick()`), and periodically
 * (`start()`), so events written while Redis was down reach it once it is back. Rows are locked with
 * SKIP LOCKED, so several bot processes can run dispatchers side by side. Delivery is at least once;
 * the jobs are idempotent and deduplicated per user.
 */
export class OutboxDispatcher {
  private readonly prisma: PrismaClient;
  private readonly sink: OutboxSink;
  private readonly logger: Logger | undefined;
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = false;

  constructor(options: OutboxDispatcherOptions) {
    this.prisma = options.prisma;
    this.sink = options.sink;
    this.logger = options.logger;
    this.batchSize = options.batchSize ?? 100;
    this.intervalMs = options.intervalMs ?? 5_000;
  }

  /** Starts the periodic sweep (and runs one at once). */
  start(): void {
    this.stopped = false;
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops the sweep and waits for a round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => 0);
  }

  /** Asks for a round soon without waiting; rounds never overlap, and a kick during a round runs another after it. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => {
        this.logger?.warn({ err: error }, 'outbox dispatch failed; will retry');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when no round is running (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => 0);
  }

  /** Dispatches until nothing is left or a round fails; returns how many events reached the queues. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const { sent, seen, failed } = await this.dispatchBatch();
      total += sent;
      if (failed || seen < this.batchSize) return total;
    }
  }

  /** One round: locks up to batchSize undispatched rows, hands each to the sink, marks the ones that went. */
  async dispatchBatch(): Promise<{ sent: number; seen: number; failed: boolean }> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<OutboxEventRow[]>`
          SELECT id, kind, payload FROM outbox_events
          WHERE dispatched_at IS NULL
          ORDER BY id
          LIMIT ${this.batchSize}
          FOR UPDATE SKIP LOCKED`;
        const done: bigint[] = [];
        let failed = false;
        for (const row of rows) {
          try {
            await this.sink(row);
            done.push(row.id);
          } catch (error) {
            if (error instanceof UnknownOutboxEventError) {
              // Retrying cannot help; mark it so it does not block the rows behind it, and say so loudly.
              this.logger?.error({ err: error, outboxId: String(row.id) }, 'dropping undeliverable outbox event');
              done.push(row.id);
              continue;
            }
            failed = true;
            const attempts = await tx.outboxEvent.update({ where: { id: row.id }, data: { attempts: { increment: 1 } }, select: { attempts: true } });
            const log = attempts.attempts >= STUCK_AFTER ? this.logger?.error.bind(this.logger) : this.logger?.warn.bind(this.logger);
            log?.({ err: error, outboxId: String(row.id), attempts: attempts.attempts }, 'outbox event not dispatched; will retry');
            // Redis is probably down: keep order and stop this round rather than fail every row.
            break;
          }
        }
        if (done.length > 0) await tx.outboxEvent.updateMany({ where: { id: { in: done } }, data: { dispatchedAt: new Date() } });
        return { sent: done.length, seen: rows.length, failed };
      },
      { timeout: 30_000, maxWait: 5_000 },
    );
  }
}
