import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../support/database.ts';
import { runPlaygroundScript, type ScriptedRun } from './scripted.ts';

const SCRIPT = `# a first look, as the README shows
/recommend count:3
+2 👍
react 3 love
-3 😍
/profile
/admin retrain
react 42 😍
/help
`;

let scripted: ScriptedRun;
let db: TestDatabase;
let dir: string;
let run: ScriptedRun['result'];
const answerTo = (line: string) => scripted.answerTo(line);

beforeAll(async () => {
  scripted = await runPlaygroundScript('script', SCRIPT, [], 150_000);
  ({ db, dir, result: run } = scripted);
}, 180_000);

afterAll(async () => {
  await scripted?.cleanup();
});

describe('tastebud try --script', () => {
  it('prepares an empty database: imports MovieLens, makes the embedding model, embeds titles, trains a first version', () => {
    expect(run.stderr).toContain('The catalogue is empty: importing MovieLens from');
    expect(run.stderr).toMatch(/imported 150 titles, \d+ users and [\d,]+ ratings/);
    expect(run.stderr).toMatch(/made a 64-dimensional embedding model/);
    expect(run.stderr).toMatch(/embedded 150 titles/);
    expect(run.stderr).toMatch(/first training done in [\d.]+ s: version 1 is now active/);
  });

  it('shows /recommend as numbered messages with title, year, genres, reason and the five scale reactions', () => {
    const answer = answerTo('/recommend count:3');
    for (const n of [1, 2, 3]) expect(answer).toMatch(new RegExp(`\\[${n + 1}\\] tastebud\\n    ┃ ${n}\\. .+ \\((19|20)\\d\\d\\)\\n    ┃ [A-Z][\\w-]+`));
    expect(answer.match(/😍 1 · 👍 1 · 😐 1 · 👎 1 · 🙈 1/g)).toHaveLength(3);
  });

  it('reacting by message number rates the title, shows the new counts, and removing a reaction falls back', async () => {
    expect(answerTo('+2 👍')).toMatch(/\[2\] tastebud \(updated\)[\s\S]*👍 2 \(you\)/);
    expect(answerTo('react 3 love')).toMatch(/\[3\] tastebud \(updated\)[\s\S]*😍 2 \(you\) · 👍 1 ·/);
    expect(answerTo('-3 😍')).toMatch(/\[3\] tastebud \(updated\)[\s\S]*😍 1 · 👍 1 ·/);
    const ratings = await db.prisma.rating.findMany({ where: { user: { source: 'discord' } }, select: { value: true, title: { select: { name: true } } } });
    expect(ratings).toHaveLength(1);
    expect(ratings[0]!.value).toBe(4);
    const first = /\[2\] tastebud\n {4}┃ 1\. (.+) \(\d{4}\)/.exec(run.stdout)?.[1];
    expect(first).toBeDefined();
    expect(ratings[0]!.title.name).toBe(first);
  });

  it('/profile shows the one rating; /admin retrain reports progress in the reply until the job is done', () => {
    const profile = answerTo('/profile');
    expect(profile).toContain('(only you can see this');
    expect(profile).toMatch(/Ratings: 1\b/);
    const retrain = answerTo('/admin retrain');
    // The tiny model trains in well under a second, so which phases get drawn varies: the reply's first state
    // (starting, or already a phase) and every later one, the final one included, are drawn into one message.
    const first = /\[(\d+)\] tastebud \(only you can see this\)\n\s+retrain job \d+: /.exec(retrain);
    expect(first).not.toBeNull();
    const id = first![1];
    const draws = [...retrain.matchAll(/retrain job \d+: /g)].slice(1);
    expect(draws.length).toBeGreaterThan(0);
    for (const draw of draws) expect(retrain.slice(0, draw.index)).toMatch(new RegExp(`\\[${id}\\] tastebud \\(only you can see this, updated\\)\\n\\s+$`));
    expect(retrain).toMatch(/\(only you can see this, updated\)\n\s+retrain job \d+: done in [\d.]+ s: version 2 (is now active|was not promoted)/);
  });

  it('stops at the first line it cannot run, says why and exits 1', async () => {
    expect(run.stdout).toContain('> react 42 😍\n  ✗ There is no message [42]; messages are numbered 1 to ');
    expect(run.stdout).not.toContain('> /help');
    expect(run.code, run.stderr).toBe(1);
    // It and its worker ended by themselves, not by the last-resort exit that logs what was still open.
    expect(await readFile(join(dir, 'try.log'), 'utf8')).not.toContain('exiting anyway');
  });
});
