import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Anything that can count its jobs by state (a BullMQ Queue). */
export interface CountableQueue {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

/** The job states reported as queue depth. */
export const DEPTH_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

/** Prometheus metrics of the learning loop, on a registry of their own (tests create several). */
export interface LoopMetrics {
  registry: Registry;
  jobDuration: Histogram<'queue' | 'outcome'>;
  jobsCompleted: Counter<'queue'>;
  jobsFailed: Counter<'queue'>;
  activeModelVersion: Gauge;
  /** Reports these queues' depths on every scrape. */
  watchQueues(queues: readonly CountableQueue[]): void;
  /** Times one job: call the returned function with its outcome when it ends. */
  startJob(queue: string): (outcome: 'completed' | 'failed') => void;
}

/**
 * Creates the metrics: queue depth per queue and state (read from Redis at scrape time), job duration
 * histogram per queue, completed/failed counters, the active model version gauge and, unless turned
 * off, Node's default process metrics.
 */
export function createLoopMetrics(options: { defaultMetrics?: boolean; labels?: Record<string, string> } = {}): LoopMetrics {
  const registry = new Registry();
  if (options.labels) registry.setDefaultLabels(options.labels);
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const watched: CountableQueue[] = [];
  new Gauge({
    name: 'tastebud_queue_jobs',
    help: 'Jobs in each queue by state (queue depth).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        watched.map(async (queue) => {
          try {
            const counts = await queue.getJobCounts(...DEPTH_STATES);
            for (const state of DEPTH_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
          } catch {
            // Redis down: report nothing rather than fail the whole scrape; /readyz says why.
          }
        }),
      );
    },
  });
  const jobDuration = new Histogram({
    name: 'tastebud_job_duration_seconds',
    help: 'Time from a job starting to run until it completed or failed.',
    labelNames: ['queue', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const jobsCompleted = new Counter({ name: 'tastebud_jobs_completed_total', help: 'Jobs completed.', labelNames: ['queue'], registers: [registry] });
  const jobsFailed = new Counter({ name: 'tastebud_jobs_failed_total', help: 'Job attempts that failed.', labelNames: ['queue'], registers: [registry] });
  const activeModelVersion = new Gauge({ name: 'tastebud_active_model_version', help: 'Id of the model version this process serves (0 = none).', registers: [registry] });
  activeModelVersion.set(0);
  return {
    registry,
    jobDuration,
    jobsCompleted,
    jobsFailed,
    activeModelVersion,
    watchQueues(queues) {
      watched.push(...queues);
    },
    startJob(queue) {
      const end = jobDuration.startTimer({ queue });
      return (outcome) => {
        end({ outcome });
        (outcome === 'completed' ? jobsCompleted : jobsFailed).inc({ queue });
      };
    },
  };
}
