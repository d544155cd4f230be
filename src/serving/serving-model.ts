import { Redis } from 'ioredis';
import type { PrismaClient } from '../db/client.ts';
import type { TitleIndex } from '../index/title-index.ts';
import type { Logger } from '../log.ts';
import { activeModelVersion, type DeserializeModel, type ModelVersion } from '../model-store/store.ts';
import type { TrainedModel } from '../model/types.ts';
import type { MemoryCatalog } from '../recommend/catalog.ts';
import { loadVersionRecommender, NoActiveModelError } from '../recommend/prisma-sources.ts';
import type { Recommender, RecommenderSettings } from '../recommend/recommender.ts';
import { modelChannel, parseModelChange, type ModelChange } from './publish.ts';

/** One loaded model version with everything a request needs. Immutable: a swap replaces the whole snapshot. */
export interface ServingSnapshot {
  versionId: number;
  version: ModelVersion;
  model: TrainedModel;
  index: TitleIndex;
  catalog: MemoryCatalog;
  recommender: Recommender;
  loadedAt: Date;
}

/** Where promotions are announced: `${prefix}:model-promoted` on Redis (QUEUE_PREFIX). */
export interface ModelChangeChannel {
  redisUrl: string;
  prefix: string;
}

/**
 * Options of {@link createServingModel}. Without a Redis channel (tests, processes that have no Redis) the
 * holder learns of promotions only by its periodic check and by {@link ServingModel.refresh}.
 */
export type ServingModelOptions = ServingModelSettings & (ModelChangeChannel | { redisUrl?: undefined; prefix?: undefined });

interface ServingModelSettings {
  prisma: PrismaClient;
  deserialize: DeserializeModel;
  logger?: Logger;
  /** HNSW search breadth (HNSW_EF). */
  ef?: number;
  recommenderSettings?: Partial<RecommenderSettings>;
  /** Also re-check the active version this often, in case a pub/sub message was missed (default 60 s; 0 = never). */
  pollIntervalMs?: number;
}

/** The hot-swappable active model shared by every request of a bot or worker process. */
export interface ServingModel {
  /**
   * The snapshot to serve from, or undefined before any version is active. Take it once per request and
   * use that object throughout: a swap during the request does not affect it.
   */
  current(): ServingSnapshot | undefined;
  /** Like {@link current} but throws {@link NoActiveModelError} when nothing is loaded. */
  require(): ServingSnapshot;
  /** Loads the active version (if any) and starts listening for changes. */
  start(): Promise<void>;
  /** Stops listening; the current snapshot stays usable. */
  stop(): Promise<void>;
  /** Re-reads the active version and loads it if it differs (or always, with `force`); resolves after the swap. */
  refresh(force?: boolean): Promise<ServingSnapshot | undefined>;
  /** Called after every swap with the new snapshot (e.g. to set the active-version gauge). */
  onSwap(listener: (snapshot: ServingSnapshot) => void): void;
}

/**
 * Creates the serving holder. Loads happen in the background and never overlap; a change that arrives
 * during a load triggers one more load after it. The new snapshot replaces the reference in one
 * assignment, so requests already running keep the old model, index and recommender.
 */
export function createServingModel(options: ServingModelOptions): ServingModel {
  const { prisma, logger } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 60_000;
  let snapshot: ServingSnapshot | undefined;
  let subscriber: Redis | undefined;
  let poll: NodeJS.Timeout | undefined;
  let running: Promise<ServingSnapshot | undefined> | undefined;
  let again: { force: boolean } | undefined;
  const listeners: ((s: ServingSnapshot) => void)[] = [];

  const load = async (force: boolean): Promise<ServingSnapshot | undefined> => {
    const active = await activeModelVersion(prisma);
    if (!active) return snapshot;
    if (!force && snapshot?.versionId === active.id) return snapshot;
    const started = performance.now();
    const loaded = await loadSnapshot(options, active.id);
    const previous = snapshot?.versionId;
    snapshot = loaded;
    logger?.info({ versionId: loaded.versionId, previousVersionId: previous, loadMs: Math.round(performance.now() - started) }, 'model version loaded');
    for (const listener of listeners) {
      try {
        listener(loaded);
      } catch (error) {
        logger?.warn({ err: error }, 'model swap listener failed');
      }
    }
    return loaded;
  };

  const refresh = (force = false): Promise<ServingSnapshot | undefined> => {
    if (running) {
      again = { force: force || (again?.force ?? false) };
      // The caller wants the state after its request, so wait for the follow-up load too.
      return running.then(() => (running ? running : refresh(force)));
    }
    const current = load(force).finally(() => {
      running = undefined;
      if (again) {
        const next = again;
        again = undefined;
        void refresh(next.force).catch((error: unknown) => logger?.error({ err: error }, 'loading the active model version failed'));
      }
    });
    running = current;
    return current;
  };

  const onMessage = modelChangeListener(options, () => snapshot, refresh);

  return {
    current: () => snapshot,
    require() {
      if (!snapshot) throw new NoActiveModelError('No model version is active yet; train one and promote it first (tastebud model list).');
      return snapshot;
    },
    async start() {
      if (subscriber || poll) return;
      if (options.redisUrl !== undefined) subscriber = await subscribe(options, onMessage, refresh);
      if (pollIntervalMs > 0) {
        poll = setInterval(() => {
          refresh().catch((error: unknown) => logger?.error({ err: error }, 'periodic model check failed'));
        }, pollIntervalMs);
        poll.unref();
      }
      await refresh();
    },
    async stop() {
      if (poll) clearInterval(poll);
      poll = undefined;
      const sub = subscriber;
      subscriber = undefined;
      if (sub) {
        sub.off('message', onMessage);
        await sub.quit().catch(() => sub.disconnect());
      }
      await running?.catch(() => undefined);
    },
    refresh,
    onSwap(listener) {
      listeners.push(listener);
    },
  };
}

/** Loads one model version with its index and the catalogue, and builds the recommender over them. */
async function loadSnapshot(options: ServingModelOptions, versionId: number): Promise<ServingSnapshot> {
  const { version, model, index, catalog, recommender } = await loadVersionRecommender(options.prisma, versionId, options.deserialize, {
    ...(options.ef === undefined ? {} : { ef: options.ef }),
    ...(options.recommenderSettings ? { settings: options.recommenderSettings } : {}),
  });
  return { versionId: version.id, version, model, index, catalog, recommender, loadedAt: new Date() };
}

/** Handles a message on the change channel: a promotion loads the new version, a reindex of the served one reloads it. */
function modelChangeListener(options: ServingModelOptions, current: () => ServingSnapshot | undefined, refresh: (force: boolean) => Promise<unknown>): (channel: string, message: string) => void {
  const { logger } = options;
  return (channel, message) => {
    if (options.prefix === undefined || channel !== modelChannel(options.prefix)) return;
    const change: ModelChange | undefined = parseModelChange(message);
    if (!change) {
      logger?.warn({ message }, 'ignoring a malformed model change message');
      return;
    }
    logger?.info({ versionId: change.versionId, kind: change.kind }, 'model change announced');
    const force = change.kind === 'reindex' && change.versionId === current()?.versionId;
    refresh(force).catch((error: unknown) => logger?.error({ err: error, versionId: change.versionId }, 'loading the announced model version failed; keeping the current one'));
  };
}

/** Listens for promotions on the change channel; after a reconnect it re-checks the database, since messages published meanwhile are lost. */
async function subscribe(options: ModelChangeChannel & Pick<ServingModelOptions, 'logger'>, onMessage: (channel: string, message: string) => void, refresh: () => Promise<unknown>): Promise<Redis> {
  const { logger } = options;
  const subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  subscriber.on('error', (error: Error) => logger?.warn({ err: error }, 'model change subscriber: Redis error'));
  subscriber.on('message', onMessage);
  let readyOnce = false;
  subscriber.on('ready', () => {
    if (readyOnce) refresh().catch((error: unknown) => logger?.error({ err: error }, 'reloading after reconnect failed'));
    readyOnce = true;
  });
  await subscriber.connect();
  await subscriber.subscribe(modelChannel(options.prefix));
  return subscriber;
}
