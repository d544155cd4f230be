/**
 * Per-call timing shared by the in-process serving benchmarks (bench/recommend.ts, bench/serving-scale.ts).
 */

/** Nearest-rank percentile of an ascending sample. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Wall and CPU percentiles (ms) of one timed call, as {@link timeIt} prints them. */
export interface CallTimes {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  cpuP50: number;
  cpuP99: number;
}

/**
 * Runs `work` `runs` times after up to 200 warm-up calls, timing each call's wall and CPU time, and prints one
 * line. CPU time is shown beside wall time: on a shared machine, waiting for a core inflates wall time only.
 */
export function timeIt(label: string, runs: number, work: (i: number) => unknown): CallTimes {
  for (let i = 0; i < Math.min(200, runs); i++) work(i);
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    work(i);
    times.push(performance.now() - t0);
    const c1 = process.cpuUsage(c0);
    cpu.push((c1.user + c1.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const result = { n: runs, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), cpuP50: percentile(cpu, 50), cpuP99: percentile(cpu, 99) };
  console.log(
    `${label.padEnd(40)} n=${runs}  wall p50 ${result.p50.toFixed(3)} p95 ${result.p95.toFixed(3)} p99 ${result.p99.toFixed(3)} ms` +
      `  | cpu p50 ${result.cpuP50.toFixed(3)} p99 ${result.cpuP99.toFixed(3)} ms`,
  );
  return result;
}
