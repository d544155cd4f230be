/**
 * Soak benchmark: the Discord emulator sends a mixed stream (reactions, /recommend, /search autocomplete)
 * from many members against a `tastebud bot` child process, with its own PostgreSQL and redis-server.
 * Reports throughput, p50/p95/p99 latency per kind, errors (must be 0), the bot's memory over time
 * and, at the end, whether the database matches what the emulator says was reacted.
 *
 *   npx tsx bench/soak.ts [--duration-s 300] [--members 200] [--concurrency 16] [--sample-s 10]
 *
 * Reaction latency is "emulator dispatch -> row visible in suggestion_reactions" (polled every 5 ms, which
 * adds a little database load); /recommend is "command -> last suggestion posted"; autocomplete is
 * "keystroke -> choices received".
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { normaliseEmoji, reactionMeaning, SUGGESTION_REACTIONS } from '../src/ratings/scale.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { startDiscordEmulator, type DiscordEmulator } from '../src/emulator/index.ts';
import { spawnManaged, startPostgresProcess, startRedisProcess, waitUntil } from '../test/support/processes/index.ts';

const { values: args } = parseArgs({
  options: {
    'duration-s': { type: 'string', default: '300' },
    members: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '16' },
    'sample-s': { type: 'string', default: '10' },
    titles: { type: 'string', default: '2000' },
  },
});
const durationMs = Number(args['duration-s']) * 1000;
const memberCount = Number(args.members);
const concurrency = Number(args.concurrency);
const sampleMs = Number(args['sample-s']) * 1000;
const titleCount = Number(args.titles);
for (const [name, v] of Object.entries({ durationMs, memberCount, concurrency, sampleMs, titleCount })) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const members = Array.from({ length: memberCount }, (_, i) => ({ id: String(500000000000000000n + BigInt(i)), username: `soak${i}` }));
const RATING_EMOJI = ['😍', '👍', '😐', '👎'];
const WORDS = ['the', 'star', 'love', 'night', 'war', 'man', 'title 1', 'ti', 'dark', 'x', 'story', 'blue', 'a', 'lo', 'se'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main() {
  console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`);
  console.log(`soak: ${durationMs / 1000} s, ${memberCount} members, ${concurrency} concurrent drivers`);
  const [pgServer, redis] = await Promise.all([startPostgresProcess(), startRedisProcess()]);
  const client = new pg.Client({ connectionString: pgServer.url() });
  await client.connect();
  await client.query('CREATE DATABASE soak');
  await client.end();
  const databaseUrl = pgServer.url('soak');
  await applyMigrations(databaseUrl, fileURLToPath(new URL('../prisma/migrations', import.meta.url)));
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // The server is destroyed at the end while idle clients may still be open.
  db.on('error', () => {});
  const genres = ['Action', 'Comedy', 'Horror', 'Romance', 'Drama', 'Sci-Fi'];
  const adjectives = ['Dark', 'Blue', 'Silent', 'Last', 'Lost', 'Golden', 'Night', 'Love', 'War', 'Star'];
  const nouns = ['Story', 'Man', 'City', 'River', 'Game', 'Road', 'Star', 'House', 'Dream', 'Night'];
  for (let start = 0; start < titleCount; start += 500) {
    const rows = Array.from({ length: Math.min(500, titleCount - start) }, (_, k) => {
      const i = start + k;
      const name = `The ${adjectives[i % 10]} ${nouns[Math.floor(i / 10) % 10]} ${Math.floor(i / 100) + 1}`;
      return [name, 1950 + (i % 70), `{${genres[i % genres.length]}}`, name.toLowerCase(), 10000 - i, 2.5 + (i % 5) / 2];
    });
    const params: unknown[] = [];
    const tuples = rows.map((r, k) => {
      params.push(r[0], r[1], [String(r[2]).slice(1, -1)], r[3], r[4], r[5]);
      const b = k * 6;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, now())`;
    });
    await db.query(`INSERT INTO titles (name, year, genres, search_name, rating_count, rating_mean, updated_at) VALUES ${tuples.join(', ')}`, params);
  }

  const emu: DiscordEmulator = await startDiscordEmulator({ members, interactionDeadlineMs: 3000 });
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'soak',
    DISCORD_TOKEN: emu.token,
    DISCORD_APPLICATION_ID: emu.applicationId,
    DISCORD_GUILD_ID: emu.guildId,
    DISCORD_API_URL: emu.apiUrl,
    COMMAND_RATE_LIMIT: '1000',
    COMMAND_RATE_WINDOW_SECONDS: '1',
    METRICS_PORT: '0',
  };
  const bot = spawnManaged(process.execPath, [fileURLToPath(new URL('../bin/tastebud.js', import.meta.url)), 'bot'], { env, cwd: ROOT });
  await waitUntil(() => emu.sessions().some((s) => s.connected) && emu.commands('guild').length > 0, 'the bot to connect', 60_000, 100);
  await sleep(500);

  const rssMb = () => {
    const status = readFileSync(`/proc/${bot.process.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  };

  // Suggestion messages to react on.
  const suggestionIds: string[] = [];
  for (let i = 0; i < 10; i++) {
    const it = await emu.runCommand({ userId: members[i]!.id, name: 'recommend', options: { count: 5 } });
    await emu.waitFor(() => it.followUps().length === 5, { timeoutMs: 30_000 });
    suggestionIds.push(...it.followUps().map((m) => m.id));
  }
  await emu.waitFor(() => suggestionIds.every((id) => emu.message(id)!.reactions.length >= SUGGESTION_REACTIONS.length), { timeoutMs: 60_000 });

  const latencies: Record<string, number[]> = { reaction: [], recommend: [], autocomplete: [] };
  const errors: string[] = [];
  const memory: { atS: number; rssMb: number }[] = [{ atS: 0, rssMb: rssMb() }];
  const busy = new Set<string>();
  const started = Date.now();
  const sampler = setInterval(() => memory.push({ atS: Math.round((Date.now() - started) / 1000), rssMb: rssMb() }), sampleMs);

  const rowVisible = async (messageId: string, discordId: string, emoji: string) => {
    const r = await db.query('SELECT 1 FROM suggestion_reactions sr JOIN users u ON u.id = sr.user_id WHERE sr.message_id = $1 AND u.external_id = $2 AND sr.emoji = $3', [messageId, discordId, emoji]);
    return (r.rowCount ?? 0) > 0;
  };

  async function oneReaction() {
    let member: string;
    let messageId: string;
    let key: string;
    do {
      member = members[Math.floor(Math.random() * members.length)]!.id;
      messageId = suggestionIds[Math.floor(Math.random() * suggestionIds.length)]!;
      key = `${member}|${messageId}`;
    } while (busy.has(key));
    busy.add(key);
    try {
      const held = emu.message(messageId)!.reactions.find((r) => r.userIds.includes(member) && RATING_EMOJI.includes(r.emoji))?.emoji;
      const t0 = performance.now();
      if (held) {
        await emu.unreact({ userId: member, messageId, emoji: held });
        await waitUntil(async () => !(await rowVisible(messageId, member, normaliseEmoji(held))), 'reaction removal stored', 15_000, 5);
      } else {
        const emoji = RATING_EMOJI[Math.floor(Math.random() * RATING_EMOJI.length)]!;
        await emu.react({ userId: member, messageId, emoji });
        await waitUntil(() => rowVisible(messageId, member, normaliseEmoji(emoji)), 'reaction stored', 15_000, 5);
      }
      latencies.reaction!.push(performance.now() - t0);
    } finally {
      busy.delete(key);
    }
  }

  async function oneRecommend() {
    const member = members[10 + Math.floor(Math.random() * (members.length - 10))]!.id;
    const t0 = performance.now();
    const it = await emu.runCommand({ userId: member, name: 'recommend', options: { count: 3 } });
    await emu.waitFor(() => it.followUps().length === 3 || /went wrong|unavailable|Slow down/.test(it.finalContent() ?? ''), { timeoutMs: 30_000 });
    if (it.followUps().length !== 3) throw new Error(`/recommend answered "${it.finalContent()}"`);
    latencies.recommend!.push(performance.now() - t0);
  }

  async function oneAutocomplete() {
    const member = members[Math.floor(Math.random() * members.length)]!.id;
    const word = WORDS[Math.floor(Math.random() * WORDS.length)]!;
    const t0 = performance.now();
    const choices = await emu.autocomplete({ userId: member, name: 'search', focused: 'query', value: word, timeoutMs: 5_000 });
    if (!Array.isArray(choices)) throw new Error('autocomplete gave no choices array');
    latencies.autocomplete!.push(performance.now() - t0);
  }

  const drivers = Array.from({ length: concurrency }, async () => {
    while (Date.now() - started < durationMs) {
      const roll = Math.random();
      const kind = roll < 0.55 ? 'reaction' : roll < 0.65 ? 'recommend' : 'autocomplete';
      try {
        if (kind === 'reaction') await oneReaction();
        else if (kind === 'recommend') await oneRecommend();
        else await oneAutocomplete();
      } catch (error) {
        errors.push(`${kind}: ${(error as Error).message}`);
      }
    }
  });
  await Promise.all(drivers);
  clearInterval(sampler);
  memory.push({ atS: Math.round((Date.now() - started) / 1000), rssMb: rssMb() });
  const elapsedS = (Date.now() - started) / 1000;

  // Settle, then compare the database with the emulator row by row.
  await sleep(2000);
  const expected = new Set<string>();
  for (const id of suggestionIds) {
    for (const r of emu.message(id)!.reactions) {
      if (!reactionMeaning(r.emoji)) continue;
      for (const u of r.userIds) if (u !== emu.botUserId) expected.add(`${id}|${u}|${normaliseEmoji(r.emoji)}`);
    }
  }
  const stored = await db.query<{ k: string }>(
    `SELECT sr.message_id || '|' || u.external_id || '|' || sr.emoji AS k FROM suggestion_reactions sr JOIN users u ON u.id = sr.user_id WHERE sr.message_id = ANY($1)`,
    [suggestionIds],
  );
  const actual = new Set(stored.rows.map((r) => r.k));
  const missing = [...expected].filter((k) => !actual.has(k)).length;
  const extra = [...actual].filter((k) => !expected.has(k)).length;
  const botErrors = bot.output().split('\n').filter((l) => /"level":(50|60)/.test(l));

  console.log(`\nelapsed ${elapsedS.toFixed(0)} s`);
  console.log('kind          count   ops/s    p50 ms   p95 ms   p99 ms');
  for (const [kind, values] of Object.entries(latencies)) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(
      `${kind.padEnd(12)} ${String(sorted.length).padStart(6)} ${(sorted.length / elapsedS).toFixed(1).padStart(7)} ${percentile(sorted, 50).toFixed(1).padStart(9)} ${percentile(sorted, 95).toFixed(1).padStart(8)} ${percentile(sorted, 99).toFixed(1).padStart(8)}`,
    );
  }
  const total = Object.values(latencies).reduce((s, v) => s + v.length, 0);
  console.log(`total ${total} ops, ${(total / elapsedS).toFixed(1)} ops/s`);
  console.log(`errors: ${errors.length}${errors.length ? ` (first: ${errors.slice(0, 5).join(' | ')})` : ''}; bot error log lines: ${botErrors.length}`);
  console.log(`database vs emulator: ${expected.size} held reactions expected, ${missing} missing, ${extra} extra`);
  console.log(`bot RSS MB over time: ${memory.map((m) => `${m.atS}s=${m.rssMb.toFixed(0)}`).join(' ')}`);
  const half = memory.slice(Math.floor(memory.length / 2));
  if (half.length >= 3) {
    const n = half.length;
    const mx = half.reduce((s, m) => s + m.atS, 0) / n;
    const my = half.reduce((s, m) => s + m.rssMb, 0) / n;
    const slope = half.reduce((s, m) => s + (m.atS - mx) * (m.rssMb - my), 0) / half.reduce((s, m) => s + (m.atS - mx) ** 2, 0);
    console.log(`RSS trend over the second half: ${(slope * 60).toFixed(2)} MB/min`);
  }

  await bot.stop('SIGTERM', 15_000);
  await emu.close();
  await db.end();
  await pgServer.destroy();
  await redis.destroy();
  if (errors.length > 0 || missing + extra > 0) process.exitCode = 1;
}

await main();
