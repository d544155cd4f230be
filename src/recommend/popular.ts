import type { CatalogSource, Recommendation, TitleInfo, UserHistory } from './types.ts';

/**
 * The one definition of "popular" members see: it needs only the catalogue (rating count and mean per
 * title), so the list is the same with or without a trained model. The recommender (members without usable
 * ratings, /onboard) and the no-model fallback of the bot both call {@link popularTitles}.
 */

/** Pseudo-ratings at the catalogue mean in the Bayesian mean, so a few 5-star ratings do not win (default 20). */
export const DEFAULT_POPULARITY_PRIOR = 20;

export interface PopularityEntry {
  title: TitleInfo;
  popularity: number;
}

/** Orders are cached per catalogue (which never changes once built) and prior. */
const orders = new WeakMap<CatalogSource, Map<number, PopularityEntry[]>>();

/**
 * Every title, most popular first (ties by id): a Bayesian mean shrunk toward the catalogue mean, times
 * log(1 + rating count), so both well-rated and much-rated count.
 */
export function popularityOrder(catalog: CatalogSource, prior = DEFAULT_POPULARITY_PRIOR): readonly PopularityEntry[] {
  const cached = orders.get(catalog)?.get(prior);
  if (cached) return cached;
  const titles = catalog.all();
  let sum = 0;
  let n = 0;
  for (const t of titles) {
    if (t.ratingMean !== null && t.ratingCount > 0) {
      sum += t.ratingMean * t.ratingCount;
      n += t.ratingCount;
    }
  }
  const globalMean = n > 0 ? sum / n : 3;
  const order = titles
    .map((title) => {
      const count = title.ratingMean === null ? 0 : title.ratingCount;
      const mean = (prior * globalMean + count * (title.ratingMean ?? 0)) / (prior + count);
      return { title, popularity: mean * Math.log1p(count) };
    })
    .sort((a, b) => b.popularity - a.popularity || a.title.id - b.title.id);
  if (!orders.has(catalog)) orders.set(catalog, new Map());
  orders.get(catalog)!.set(prior, order);
  return order;
}

/**
 * The `count` most popular allowed titles, spread over genres: picked greedily from the top `10 × count`
 * with a penalty (0.7 per earlier pick sharing a genre), each with the genre it adds as its reason.
 */
export function popularTitles(catalog: CatalogSource, count: number, allowed: (titleId: number) => boolean = () => true, options: { prior?: number } = {}): Recommendation[] {
  const pool: PopularityEntry[] = [];
  const poolSize = count * 10;
  for (const entry of popularityOrder(catalog, options.prior)) {
    if (allowed(entry.title.id)) pool.push(entry);
    if (pool.length >= poolSize) break;
  }
  const shown = new Map<string, number>();
  const picked: Recommendation[] = [];
  while (picked.length < count && pool.length > 0) {
    let best = 0;
    let bestValue = -Infinity;
    for (let i = 0; i < pool.length; i++) {
      const { title, popularity } = pool[i]!;
      const repeats = Math.max(0, ...title.genres.map((g) => shown.get(g) ?? 0));
      const value = popularity * 0.7 ** repeats;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    const { title, popularity } = pool.splice(best, 1)[0]!;
    // Name the genre this pick adds variety in: the one shown least so far.
    const genre = [...title.genres].sort((a, b) => (shown.get(a) ?? 0) - (shown.get(b) ?? 0))[0];
    for (const g of title.genres) shown.set(g, (shown.get(g) ?? 0) + 1);
    const reason = genre && !genre.startsWith('(') ? `popular in ${genre}` : 'popular with everyone';
    picked.push({ titleId: title.id, name: title.name, year: title.year, genres: title.genres, kind: title.kind, score: popularity, reason });
  }
  return picked;
}

/**
 * Popular titles for one member: none they rated or hid, only of `kind` and `genre` (compared
 * case-insensitively) when given. What a member without a usable profile sees, with or without a model.
 */
export function popularForMember(
  catalog: CatalogSource,
  history: Pick<UserHistory, 'ratings' | 'hidden'>,
  filter: { count: number; genre?: string | undefined; kind?: string | undefined; prior?: number },
): Recommendation[] {
  const excluded = new Set([...history.ratings.map((r) => r.titleId), ...history.hidden]);
  const genre = filter.genre?.toLowerCase();
  const allowed = (id: number) => {
    const t = catalog.get(id);
    return !!t && !excluded.has(id) && (!filter.kind || t.kind === filter.kind) && (!genre || t.genres.some((g) => g.toLowerCase() === genre));
  };
  return popularTitles(catalog, filter.count, allowed, filter.prior === undefined ? {} : { prior: filter.prior });
}
