import type { CatalogSource, TitleInfo } from './types.ts';

/** A {@link CatalogSource} over titles already in memory (about 1 KB per title; 10k titles is nothing). */
export class MemoryCatalog implements CatalogSource {
  private readonly byId = new Map<number, TitleInfo>();
  private readonly titles: TitleInfo[];

  constructor(titles: Iterable<TitleInfo>) {
    this.titles = [...titles];
    for (const title of this.titles) this.byId.set(title.id, title);
  }

  get(titleId: number): TitleInfo | undefined {
    return this.byId.get(titleId);
  }

  all(): readonly TitleInfo[] {
    return this.titles;
  }
}
