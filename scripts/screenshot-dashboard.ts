// `npx tsx scripts/screenshot-dashboard.ts [--dark]`: seeds demo data into a scratch database (on TEST_DATABASE_URL's
// server, or the local one; dropped at the end), serves the dashboard with a real worker (which rebuilds the index once,
// so recent jobs has one), logs in with
// Debian's chromium (TEST_CHROMIUM_PATH, default /usr/bin/chromium) and saves
// docs/dashboard.png (1366 px wide, a laptop) and docs/dashboard-phone.png (390 px, a phone).
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import type { Trainer } from '../jobs/retrain.ts';
import { defaultOnlineReport } from '../src/api/dashboard/online-source.ts';
import { keyDirectory } from '../src/api/keys.ts';
import { buildApiServer } from '../src/api/server.ts';
import { createPrisma } from '../src/db/client.ts';
import { deserializeModel } from '../src/model/embedding-model.ts';
import { trainModel } from '../src/model/train.ts';
import { createLoopMetrics } from '../src/observability/metrics.ts';
import { readJobSnapshot } from '../src/queue/job-progress.ts';
import { createQueues, enqueueReindex, enqueueUserEmbedding } from '../src/queue/queues.ts';
import { createServingModel } from '../src/serving/serving-model.ts';
import { startWorkerRuntime } from '../src/worker/runtime.ts';
import { createScratchDatabase, dropPrefix, REDIS_URL, testWorkerOptions, uniquePrefix, waitFor } from '../test/integration/worker/support.ts';
import { launchChromium } from '../test/support/browser.ts';
import { seedDashboardData } from '../test/support/dashboard-seed.ts';

const ADMIN = 'demo-admin-secret-0123456789abcdefgh';
const docs = (name: string) => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));
const train: Trainer = (dataset, options, hooks) => trainModel(dataset, { ...options, dimension: 8, epochs: 8, batchSize: 8, patience: 20, learningRate: 0.01 }, hooks);

async function shoot(browser: Browser, base: string, width: number, height: number, scale: number, file: string, colorScheme: 'light' | 'dark'): Promise<void> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: scale, colorScheme });
  const page = await context.newPage();
  await page.goto(`${base}/dashboard/login`);
  await page.fill('#key', ADMIN);
  await page.click('button[type=submit]');
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: file, fullPage: true });
  await context.close();
  console.log(`wrote ${file}`);
}

async function main(): Promise<void> {
  const dark = process.argv.includes('--dark');
  const scratch = await createScratchDatabase('dashboard_demo');
  const prisma = createPrisma(scratch.url);
  const prefix = uniquePrefix('dashboard-demo');
  const redis = new Redis(REDIS_URL);
  const queues = createQueues(REDIS_URL, prefix);
  const serving = createServingModel({ prisma, deserialize: deserializeModel, pollIntervalMs: 0 });
  let browser: Browser | undefined;
  let worker: Awaited<ReturnType<typeof startWorkerRuntime>> | undefined;
  const app = await (async () => {
    const seed = await seedDashboardData(prisma);
    await serving.start();
    // A few vector rebuilds waiting (no worker consumes them here), so the queue panel has something to show.
    for (const userId of seed.memberIds.slice(0, 3)) await enqueueUserEmbedding(queues.userEmbedding, userId);
    worker = await startWorkerRuntime(testWorkerOptions({ prisma, url: scratch.url }, prefix, { train, queues: ['retrain', 'reindex'] }));
    const reindex = await enqueueReindex(queues.reindex, 'screenshot');
    await waitFor(async () => (await readJobSnapshot(queues.reindex, reindex))?.state === 'completed', 'the reindex job', 120_000, 200);
    return buildApiServer({
      prisma,
      serving,
      keys: keyDirectory(prisma, [{ name: 'ops', scope: 'admin', secret: ADMIN }]),
      queues,
      redis,
      registry: createLoopMetrics({ defaultMetrics: false }).registry,
      settings: { corsOrigins: [], rateLimit: { max: 10_000, windowSeconds: 60 }, bodyLimitBytes: 65_536, prefix },
      dashboard: { sessionSecret: 'screenshot-session-secret-0123456789abcdef', sessionHours: 1, onlineReport: defaultOnlineReport(prisma) },
    });
  })();
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    browser = await launchChromium();
    const suffix = dark ? '-dark' : '';
    await shoot(browser, base, 1366, 900, 1, docs(`dashboard${suffix}.png`), dark ? 'dark' : 'light');
    await shoot(browser, base, 390, 844, 2, docs(`dashboard-phone${suffix}.png`), dark ? 'dark' : 'light');
  } finally {
    await browser?.close();
    await app.close();
    await worker?.close();
    await serving.stop();
    await queues.close();
    redis.disconnect();
    await prisma.$disconnect();
    await dropPrefix(prefix);
    await scratch.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshot-dashboard: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
  process.exit(1);
});
