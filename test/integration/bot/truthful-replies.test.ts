import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTitleEncoder } from '../../../src/embeddings/encoder.ts';
import { updateTitleEmbeddings } from '../../../src/embeddings/store.ts';
import { makeTinyModel, SAMPLE_TITLE_TEXTS } from '../../../src/embeddings/tiny-model.ts';
import { TitleIndex } from '../../../src/index/title-index.ts';
import { promoteModelVersion, saveModelVersion } from '../../../src/model-store/store.ts';
import type { DiscordEmulator } from '../../support/discord-emulator/index.ts';
import type { TestDatabase } from '../../support/database.ts';
import { startBotWorld, type BotWorld } from '../security/bot-world.ts';
import { randomDaeModel } from '../worker/support.ts';

const members = Array.from({ length: 4 }, (_, i) => ({ id: String(330000000000000000n + BigInt(i)), username: `member${i}` }));
const SNAKE = { id: '330000000000000099', username: 'snake_case_fan' };
let world: BotWorld;
let db: TestDatabase;
let emu: DiscordEmulator;
let titleIds: number[];

/**
 * The tiny embedding model's twelve titles as a catalogue. Rating counts and means are chosen so that
 * "count × mean" and "Bayesian mean × log count" rank them differently: Toy Story is much-rated but poorly rated.
 */
const STATS: Record<string, [count: number, mean: number]> = {
  'Toy Story': [2000, 2.0],
  'The Godfather': [500, 4.6],
  'Star Wars': [800, 4.2],
  Alien: [300, 4.0],
  Goodfellas: [400, 4.1],
  'Finding Nemo': [600, 3.4],
};

function catalogueRows() {
  return SAMPLE_TITLE_TEXTS.map((text) => {
    const [, name, year, genres, tags] = /^(.*) \((\d{4})\)\. Genres: (.*)\. Tags: (.*)\.$/.exec(text)!;
    const [count, mean] = STATS[name!] ?? [80, 3.5];
    return { name: name!, year: Number(year), genres: genres!.split(', '), tags: tags!.split(', '), searchName: name!.toLowerCase(), ratingCount: count, ratingMean: mean };
  });
}

beforeAll(async () => {
  world = await startBotWorld({ emulator: { members: [...members, SNAKE] }, seed: (prisma) => prisma.title.createMany({ data: catalogueRows() }) });
  ({ db, emu } = world);
  titleIds = (await db.prisma.title.findMany({ orderBy: { id: 'asc' }, select: { id: true } })).map((t) => t.id);
});

afterAll(async () => {
  await world?.stop();
});

async function reply(userId: string, name: string, options: Record<string, string | number> = {}) {
  const i = await emu.runCommand({ userId, name, options });
  await i.settled();
  return i;
}

/** The titles and reasons of a /recommend's suggestion messages, in order. */
async function suggested(userId: string, count: number): Promise<{ header: string; titles: string[] }> {
  const i = await emu.runCommand({ userId, name: 'recommend', options: { count } });
  await emu.waitFor(() => i.followUps().length === count, { timeoutMs: 20_000, message: `expected ${count} suggestions` });
  const titles = i.followUps().map((m) => `${m.embeds[0]!.title!.replace(/^\d+\. /, '')} | ${m.embeds[0]!.description!.split('\n').at(-1)}`);
  return { header: i.original()?.content ?? '', titles };
}

const similarText = (i: Awaited<ReturnType<typeof reply>>) => JSON.stringify({ content: i.finalContent(), embeds: i.finalEmbeds() });

describe('replies say what is true', () => {
  it('/similar without a model: says plainly it needs a first training, then answers from the title text once titles are embedded', async () => {
    let answer = similarText(await reply(members[0]!.id, 'similar', { title: String(titleIds[0]) }));
    expect(answer).not.toMatch(/No similar titles found/);
    expect(answer).toMatch(/needs a first training/);

    const tiny = await makeTinyModel();
    const encoder = await createTitleEncoder({ model: tiny.dir, allowRemoteModels: false });
    try {
      await updateTitleEmbeddings(db.prisma, encoder);
    } finally {
      await encoder.dispose();
      await tiny.remove();
    }
    const i = await reply(members[0]!.id, 'similar', { title: String(titleIds[0]), count: 3 });
    answer = similarText(i);
    expect(answer).not.toMatch(/No similar titles found|needs a first training/);
    const embed = i.finalEmbeds()![0]!;
    expect(embed.title).toBe('Similar to Toy Story (1995)');
    // Toy Story 2 shares nearly every word with Toy Story; the list is from the text, and says so.
    expect(embed.description).toMatch(/^1\. \*\*Toy Story 2 \(1999\)\*\*/);
    expect(embed.footer?.text).toMatch(/title text/);
  });

  it('the popular list is one definition: a newcomer gets the same titles and reasons with and without a model', async () => {
    const withoutModel = await suggested(members[1]!.id, 4);
    expect(withoutModel.header).toMatch(/^Popular picks/);

    const model = randomDaeModel(titleIds, 4, 3);
    const versionId = await saveModelVersion(db.prisma, { model, index: TitleIndex.build(model.titleIds, model.titleVectors, model.dimension, { efConstruction: 50 }) });
    await promoteModelVersion(db.prisma, versionId);
    await world.bot.serving.refresh();
    const withModel = await suggested(members[2]!.id, 4);
    expect(withModel.header).toMatch(/^Popular picks/);
    expect(withModel.titles).toEqual(withoutModel.titles);
    // Much-rated but poorly rated is not what "popular" means here.
    expect(withModel.titles[0]).toMatch(/^The Godfather \(1972\)/);
  });

  it('/recommend kind: offers only kinds the catalogue has, and a kind without titles says an admin can import some', async () => {
    const choices = await emu.autocomplete({ userId: members[3]!.id, name: 'recommend', focused: 'kind', value: '' });
    expect(choices.map((c) => c.value)).toEqual(['movie']);
    const shows = await reply(members[3]!.id, 'recommend', { kind: 'show' });
    expect(shows.finalContent()).toBe('No shows in the catalogue yet — an admin can import some (see /help).');
    expect(shows.finalContent()).not.toMatch(/rated every candidate/);
    expect((await reply(members[3]!.id, 'help')).finalContent()).toMatch(/imports on the host: `tastebud import movielens`/);
    const unknown = await reply(members[3]!.id, 'recommend', { kind: 'podcast' });
    expect(unknown.finalContent()).toMatch(/There is no kind "podcast"\. Pick one from the list: movie\./);
  });

  it('usernames echoed in replies are Markdown-escaped like other member text', async () => {
    const { header } = await suggested(SNAKE.id, 1);
    expect(header).toContain('snake\\_case\\_fan');
    const profile = await reply(members[0]!.id, 'profile', { user: SNAKE.id });
    expect(profile.finalContent()).toBe("snake\\_case\\_fan's profile is private.");
    const own = await reply(SNAKE.id, 'onboard');
    await emu.waitFor(() => own.followUps().length > 0, { timeoutMs: 20_000 });
    expect(own.original()?.content).toMatch(/^Welcome snake\\_case\\_fan!/);
  });
});
