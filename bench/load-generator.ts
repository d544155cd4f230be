/**
 * autocannon in a process of its own, for bench/api-load.ts `--load-generator child` (and `--pin`, which starts this
 * under `taskset` on a core the API does not use), so the latency measured is the API's and not the load generator's
 * own wait for the event loop it would otherwise share with the benchmark.
 *
 *   node <tsx loader> bench/load-generator.ts '<LoadSpec JSON>'   → one line on stdout: `RESULT <autocannon result JSON>`
 *
 * The requests cycle through `paths` in order, as the benchmark's own in-process run does.
 */
import { pathToFileURL } from 'node:url';
import autocannon, { type Options, type Request } from 'autocannon';

/** What one run sends: autocannon's options, with the request paths spelled out (functions do not cross processes). */
export interface LoadSpec {
  url: string;
  connections: number;
  rate: number;
  durationS: number;
  headers?: Record<string, string>;
  /** Paths asked in turn; none: `url` itself every time. */
  paths?: string[];
}

/** The autocannon options of a spec, shared by the in-process and the child runs so both send the same requests. */
export function autocannonOptions(spec: LoadSpec): Options {
  const paths = spec.paths;
  let next = 0;
  const requests = paths?.length ? [{ method: 'GET', setupRequest: (request: Request) => ({ ...request, path: paths[next++ % paths.length] }) }] : undefined;
  return {
    url: spec.url,
    connections: spec.connections,
    overallRate: spec.rate,
    duration: spec.durationS,
    timeout: 10,
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(requests ? { requests } : {}),
  };
}

// Run as a script (not imported by api-load.ts for autocannonOptions).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  const result = await autocannon(autocannonOptions(spec));
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}
