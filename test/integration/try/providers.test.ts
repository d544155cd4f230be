/**
 * `tastebud try --providers`: the provider emulators start with the playground, their trending titles are imported
 * (MovieLens movies merged by tmdbId get posters), a search finds a show MovieLens does not have, and the
 * transcript shows each embed's image URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../support/database.ts';
import { runPlaygroundScript, type ScriptedRun } from './scripted.ts';

const SCRIPT = `/search game of thrones kind:show
/search breaking bad
/similar title:the matrix
`;

let scripted: ScriptedRun;
let db: TestDatabase;
let run: ScriptedRun['result'];
const answerTo = (line: string) => scripted.answerTo(line);

beforeAll(async () => {
  scripted = await runPlaygroundScript('providers', SCRIPT, ['--providers'], 200_000);
  ({ db, result: run } = scripted);
}, 240_000);

afterAll(async () => {
  await scripted?.cleanup();
});

describe('tastebud try --providers', () => {
  it('starts the emulators and imports their trending titles, merging MovieLens movies by tmdbId', async () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Catalogue providers: local emulators of TMDB, RAWG, Open Library, MusicBrainz (fixtures; nothing leaves this machine).');
    expect(run.stderr).toMatch(/imported their trending and popular titles, with posters: \d+ added, \d+ updated/);
    const matrix = await db.prisma.title.findFirst({ where: { movielensId: 2571 }, select: { imageUrl: true, tmdbId: true } });
    expect(matrix).toEqual({ imageUrl: expect.stringMatching(/^https:\/\/image\.tmdb\.org\/.+\.jpg$/), tmdbId: 603 });
  });

  it('finds a show beyond MovieLens through the provider; one TMDB has no poster for gets no image line', async () => {
    const answer = answerTo('/search game of thrones kind:show');
    expect(answer).toMatch(/› Game of Thrones \(2011\) · show · TMDB/);
    expect(answer).toMatch(/┃ Game of Thrones \(2011\)\n[\s\S]*┃ Runtime: 1 h\n/);
    expect(answer).not.toContain('image:');
    expect(await db.prisma.title.count({ where: { name: 'Game of Thrones', kind: 'show' } })).toBe(1);
  });

  it('a trending show imported at start is a local match, with its poster', () => {
    const answer = answerTo('/search breaking bad');
    expect(answer).toMatch(/┃ Breaking Bad \(2008\)\n/);
    expect(answer).toContain('┃ image: https://image.tmdb.org/t/p/w500/breaking-bad.jpg\n');
  });

  it('/similar shows the poster of the title asked about', () => {
    expect(answerTo('/similar title:the matrix')).toMatch(/┃ image: https:\/\/image\.tmdb\.org\/\S+\.jpg\n/);
  });
});
