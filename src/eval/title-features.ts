import type { MovieRecord } from './movielens.ts';

/**
 * Genre multi-hot vectors (L2-normalised), the fallback title feature when no text encoder is
 * available: enough for the model to place a cold title near rated titles of the same genres.
 */
export function genreVectors(movies: readonly MovieRecord[]): Map<number, Float32Array> {
  const genres = [...new Set(movies.flatMap((m) => m.genres))].sort();
  const column = new Map(genres.map((g, i) => [g, i]));
  const out = new Map<number, Float32Array>();
  if (genres.length === 0) return out;
  for (const movie of movies) {
    if (movie.genres.length === 0) continue;
    const v = new Float32Array(genres.length);
    for (const g of movie.genres) v[column.get(g)!] = 1 / Math.sqrt(movie.genres.length);
    out.set(movie.movieId, v);
  }
  return out;
}

/** "Name (year). Genres: ... Tags: ..." split back into the parts the embeddings module formats. */
export function movieTextSource(movie: MovieRecord, tags: readonly string[] = []): { name: string; year: number | null; genres: string[]; tags: string[] } {
  const match = /^(.*?)\s*\((\d{4})(?:[-–]\d{0,4})?\)\s*$/.exec(movie.title.trim());
  return { name: match ? match[1]! : movie.title.trim(), year: match ? Number(match[2]) : null, genres: movie.genres, tags: [...tags] };
}
