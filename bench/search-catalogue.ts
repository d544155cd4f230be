/**
 * A MovieLens-shaped catalogue of any size for the search benchmark: the real ml-latest-small titles plus generated
 * ones of the same name shape. (A general MovieLens-shaped data generator is being written for issue #16; this one
 * only needs titles.)
 */
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Deterministic pseudo-random numbers, so every run builds the same catalogue. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Words kept as they are when a real title is copied into a generated one: they give names their shape. */
const SHAPE_WORDS = /^(?:the|a|an|le|la|les|el|il|der|die|das|and|of|part|episode|chapter|vol|aka|a\.k\.a|[ivx]+|\d+)$/iu;

/**
 * `count` generated MovieLens titles of the same shape as the real ones: each copies a real title's form (word
 * count, trailing article, a.k.a. and bracketed names, numbers, symbols, year) with its other words drawn from the
 * words of the real titles, weighted by how often they occur. "Godfather: Part II, The (1974)" may become
 * "Harvest: Part II, The (1987)".
 */
export function synthesiseTitles(real: readonly string[], count: number, seed = 21): string[] {
  const rand = random(seed);
  const words = real.map((t) => t.replace(/\(\d{4}\)\s*$/u, '').match(/\p{L}+/gu) ?? []);
  const titlesWith = new Map<string, number>();
  for (const w of words.flatMap((ws) => [...new Set(ws.map((x) => x.toLowerCase()))])) titlesWith.set(w, (titlesWith.get(w) ?? 0) + 1);
  // Words of three or more real titles: a bigger catalogue repeats "love" and "night", not "Totoro" or "Schindler",
  // so a generated "Totoro (1931)" would be a duplicate no real catalogue has.
  const pool = words.flat().filter((w) => !SHAPE_WORDS.test(w) && (titlesWith.get(w.toLowerCase()) ?? 0) >= 3);
  return Array.from({ length: count }, () => {
    const template = real[Math.floor(rand() * real.length)]!;
    const name = template.replace(/\s*\(\d{4}\)\s*$/u, '').replace(/\p{L}+/gu, (w) => (SHAPE_WORDS.test(w) ? w : pool[Math.floor(rand() * pool.length)]!));
    return `${name} (${1920 + Math.floor(rand() * 99)})`;
  });
}

const csvField = (text: string) => (/[",\n]/u.test(text) ? `"${text.replace(/"/gu, '""')}"` : text);

/** A MovieLens directory with the real movies plus generated ones up to `total`, and the real ratings. */
export async function scaledCatalogue(dir: string, total: number): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'tastebud-search-'));
  const lines = (await readFile(join(dir, 'movies.csv'), 'utf8')).trimEnd().split('\n');
  const real = lines.slice(1).map((line) => line.split(',').slice(1, -1).join(',').replace(/^"|"$/gu, '').replace(/""/gu, '"'));
  const maxId = Math.max(...lines.slice(1).map((line) => Number(line.split(',')[0])));
  const extra = synthesiseTitles(real, Math.max(0, total - real.length)).map((t, i) => `${maxId + 1 + i},${csvField(t)},Drama`);
  await writeFile(join(out, 'movies.csv'), `${[...lines, ...extra].join('\n')}\n`);
  await symlink(join(dir, 'ratings.csv'), join(out, 'ratings.csv'));
  return out;
}
