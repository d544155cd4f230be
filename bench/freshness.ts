/**
 * Freshness: from a rating stored through the bot's path (rating store + outbox, same transaction) to that
 * member's next recommendation served from the rebuilt vector, with one `tastebud worker` process running.
 * By default the loop serves the production model: `tastebud seed` imports ml-latest-small and trains and promotes
 * the default model (bench/production-loop.ts), and every recommendation must come from the personal path (a
 * "because ..." / "matches your ratings" reason, never the popular fallback). `--random` serves a random model
 * over a generated catalogue instead (serving cost only, as measured before 2026-12-02).
 *
 *   npx tsx bench/freshness.ts [--samples 100] [--dir DIR (default: where the tests find MovieLens)]
 *                                                         [--random [--titles 9742] [--hidden 200]]
 */
import { parseArgs } from 'node:util';
import { rateTitle } from '../src/ratings/store.ts';
import { machine, percentiles, startBenchLoop, waitFor } from '../test/integration/worker/support.ts';
import { DEFAULT_MOVIELENS, describeModel, requirePersonal, seedProduction } from './production-loop.ts';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '100' },
    titles: { type: 'string', default: '9742' },
    hidden: { type: 'string', default: '200' },
    random: { type: 'boolean', default: false },
    dir: { type: 'string', default: DEFAULT_MOVIELENS },
  },
});
const samples = Number(values.samples);
const warmup = 5;
console.log(`machine: ${await machine()}`);
const loop = await startBenchLoop({ titles: Number(values.titles), users: 200, hidden: Number(values.hidden), ...(values.random ? {} : { prepare: seedProduction(values.dir) }) });
console.log(`model: ${values.random ? 'random weights over a generated catalogue' : describeModel(loop.model)}`);
try {
  const members = Array.from({ length: 20 }, (_, i) => ({ discordId: String(200000000000000000n + BigInt(i)) }));
  const rated = new Map<string, number>();
  const total: number[] = [];
  const toCommit: number[] = [];
  const toVector: number[] = [];
  for (let i = 0; i < samples + warmup; i++) {
    const member = members[i % members.length]!;
    const count = (rated.get(member.discordId) ?? 0) + 1;
    rated.set(member.discordId, count);
    const titleId = loop.catalogue.titleIds[(i * 37) % loop.catalogue.titleIds.length]!;
    const t0 = performance.now();
    const { userId } = await rateTitle(loop.prisma, member, titleId, 4);
    const t1 = performance.now();
    loop.dispatcher.kick();
    await waitFor(() => loop.prisma.userVector.findFirst({ where: { userId, ratingsCount: count }, select: { userId: true } }), `the vector of user ${userId}`, 30_000, 5);
    const t2 = performance.now();
    const snapshot = loop.serving.require();
    const history = await snapshot.recommender.recommend(userId, { count: 10 });
    const t3 = performance.now();
    if (history.length === 0) throw new Error('empty recommendation');
    if (!values.random) requirePersonal(history);
    if (i >= warmup) {
      total.push(t3 - t0);
      toCommit.push(t1 - t0);
      toVector.push(t2 - t0);
    }
  }
  const fmt = (label: string, xs: number[]) => {
    const p = percentiles(xs);
    console.log(`${label.padEnd(34)} n=${p.n}  p50 ${p.p50.toFixed(1)} ms  p95 ${p.p95.toFixed(1)} ms  p99 ${p.p99.toFixed(1)} ms  max ${p.max.toFixed(1)} ms`);
  };
  console.log(
    `catalogue ${loop.catalogue.titleIds.length} titles, model dimension ${loop.model.dimension}, 1 worker (concurrency 4), this process: rating store + outbox dispatcher + serving model; every list from the personal path`,
  );
  fmt('rating committed (+outbox row)', toCommit);
  fmt('rebuilt vector stored', toVector);
  fmt('next recommendation served', total);
  const p95 = percentiles(total).p95;
  console.log(`target p95 < 2000 ms: ${p95 < 2000 ? 'met' : 'NOT met'}`);
} finally {
  await loop.close();
}
