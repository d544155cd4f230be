/**
 * The planted taste structure: a rating is mean + user bias + movie bias + (user taste · movie taste) + noise,
 * with tastes of rank {@link RANK}. Movies belong to taste groups (each with genres and tags of its own) and
 * sit near their group's centre; users mix a few groups, pick movies mostly from them and rate them higher.
 */
import { Draws, seedFor } from './sampling.ts';

export const RANK = 8;

export interface TasteGroup {
  genres: readonly string[];
  /** Share of the catalogue in this group. */
  share: number;
  /** Tags its movies get most. */
  tags: readonly string[];
}

/** Genre combinations weighted so movies.csv's genre counts come out near ml-latest-small's. */
export const TASTE_GROUPS: readonly TasteGroup[] = [
  { genres: ['Drama'], share: 0.13, tags: ['atmospheric', 'thought-provoking', 'slow', 'beautiful', 'character study', 'bleak'] },
  { genres: ['Comedy'], share: 0.09, tags: ['funny', 'hilarious', 'stupid', 'quirky', 'silly fun'] },
  { genres: ['Comedy', 'Romance'], share: 0.06, tags: ['romantic comedy', 'cute', 'chick flick', 'feel-good'] },
  { genres: ['Drama', 'Romance'], share: 0.06, tags: ['romance', 'love story', 'sad', 'tearjerker'] },
  { genres: ['Action', 'Thriller'], share: 0.05, tags: ['action', 'explosions', 'car chase', 'fight scenes'] },
  { genres: ['Action', 'Adventure', 'Sci-Fi'], share: 0.05, tags: ['sci-fi', 'superhero', 'special effects', 'space', 'aliens'] },
  { genres: ['Horror'], share: 0.045, tags: ['scary', 'gore', 'zombies', 'creepy'] },
  { genres: ['Horror', 'Thriller'], share: 0.035, tags: ['suspense', 'psychological', 'serial killer', 'creepy'] },
  { genres: ['Crime', 'Drama', 'Thriller'], share: 0.06, tags: ['crime', 'mafia', 'heist', 'twist ending', 'dark'] },
  { genres: ['Documentary'], share: 0.045, tags: ['documentary', 'history', 'music', 'politics'] },
  { genres: ['Animation', 'Children', 'Comedy'], share: 0.04, tags: ['pixar', 'disney', 'animation', 'family'] },
  { genres: ['Adventure', 'Children', 'Fantasy'], share: 0.03, tags: ['magic', 'fairy tale', 'family', 'adventure'] },
  { genres: ['Sci-Fi'], share: 0.025, tags: ['dystopia', 'time travel', 'artificial intelligence', 'cyberpunk'] },
  { genres: ['Mystery', 'Thriller'], share: 0.04, tags: ['mystery', 'twist ending', 'plot twist', 'mindfuck'] },
  { genres: ['Drama', 'War'], share: 0.035, tags: ['war', 'world war ii', 'history', 'anti-war'] },
  { genres: ['Western'], share: 0.015, tags: ['western', 'cowboys', 'gunfight'] },
  { genres: ['Musical', 'Romance'], share: 0.025, tags: ['musical', 'singing', 'dance', 'broadway'] },
  { genres: ['Crime', 'Film-Noir'], share: 0.01, tags: ['noir', 'black and white', 'classic', 'detective'] },
  { genres: ['Adventure', 'Fantasy'], share: 0.03, tags: ['fantasy', 'epic', 'based on a book', 'dragons'] },
  { genres: ['Drama'], share: 0.04, tags: ['arthouse', 'surreal', 'criterion', 'foreign', 'visually appealing'] },
  { genres: ['Comedy', 'Crime'], share: 0.025, tags: ['dark comedy', 'quotable', 'witty'] },
  { genres: ['Action', 'Crime'], share: 0.035, tags: ['martial arts', 'revenge', 'violence', 'cops'] },
  { genres: ['Comedy', 'Drama'], share: 0.06, tags: ['bittersweet', 'coming of age', 'indie', 'quirky'] },
  { genres: ['Action', 'Adventure'], share: 0.035, tags: ['adventure', 'treasure', 'franchise', 'sequel'] },
];

/** Tags any movie may get, most frequent first (ml-latest-small's top tags). */
export const COMMON_TAGS = [
  'in netflix queue',
  'atmospheric',
  'funny',
  'surreal',
  'thought-provoking',
  'twist ending',
  'dark comedy',
  'visually appealing',
  'classic',
  'based on a book',
  'great soundtrack',
  'overrated',
  'boring',
  'predictable',
  'cinematography',
  'good acting',
  'original',
];

const TASTE_STAGE = 1;

/** Each group's centre in taste space: a direction of unit length. */
export function groupCentres(seed: number): Float32Array {
  const draws = new Draws(seedFor(seed, TASTE_STAGE, 0));
  const centres = new Float32Array(TASTE_GROUPS.length * RANK);
  for (let g = 0; g < TASTE_GROUPS.length; g++) {
    let norm = 0;
    for (let k = 0; k < RANK; k++) {
      const x = draws.normal();
      centres[g * RANK + k] = x;
      norm += x * x;
    }
    for (let k = 0; k < RANK; k++) centres[g * RANK + k]! /= Math.sqrt(norm);
  }
  return centres;
}

/** Writes `centre + spread · noise` (noise of unit expected length) into `out` at `offset`. */
export function nearCentre(out: Float32Array, offset: number, centres: Float32Array, group: number, spread: number, draws: Draws): void {
  for (let k = 0; k < RANK; k++) out[offset + k] = centres[group * RANK + k]! + (spread * draws.normal()) / Math.sqrt(RANK);
}

export function dot(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number): number {
  let sum = 0;
  for (let k = 0; k < RANK; k++) sum += a[aOffset + k]! * b[bOffset + k]!;
  return sum;
}
