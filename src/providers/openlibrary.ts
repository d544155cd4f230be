/**
 * Books from Open Library (https://openlibrary.org/developers/api): search.json, works/{id}.json, subjects and
 * trending lists, covers from covers.openlibrary.org. No key; Open Library asks heavy users to identify themselves
 * (User-Agent) and to keep to a few requests a second. The emulator in src/emulator/providers/openlibrary.ts
 * speaks the same shapes.
 */
import { z } from 'zod';
import { InputError } from '../lib/input-error.ts';
import { ProviderHttp, userAgent, type ProviderClientOptions } from './http.ts';
import {
  emptyTitle,
  escapeLucene,
  textOrNull,
  type CatalogueProvider,
  type ProviderCallOptions,
  type ProviderListName,
  type ProviderListOptions,
  type ProviderSearchOptions,
  type ProviderTitle,
  type TitleKind,
} from './types.ts';

const PAGE_SIZE = 20;
const COVERS = 'https://covers.openlibrary.org/b/id';
const FIELDS = 'key,title,author_name,first_publish_year,cover_i,subject,number_of_pages_median';

const searchDoc = z.object({
  key: z.string().regex(/^\/works\/OL\d+W$/),
  title: z.string(),
  author_name: z.array(z.string()).default([]),
  first_publish_year: z.number().int().nullish(),
  cover_i: z.number().int().nullish(),
  subject: z.array(z.string()).default([]),
  number_of_pages_median: z.number().int().nullish(),
});
const search = z.object({ numFound: z.number(), docs: z.array(searchDoc) });
const work = z.object({
  key: z.string(),
  title: z.string(),
  description: z.union([z.string(), z.object({ value: z.string() })]).nullish(),
  covers: z.array(z.number().int()).default([]),
  subjects: z.array(z.string()).default([]),
});
const subject = z.object({
  works: z.array(
    z.object({
      key: z.string().regex(/^\/works\/OL\d+W$/),
      title: z.string(),
      cover_id: z.number().int().nullish(),
      first_publish_year: z.number().int().nullish(),
      authors: z.array(z.object({ name: z.string() })).default([]),
    }),
  ),
});
const trending = z.object({ works: z.array(searchDoc.partial({ subject: true, number_of_pages_median: true })) });

export interface OpenLibraryOptions extends ProviderClientOptions {
  /** Sent in the User-Agent, as Open Library asks of heavy users. */
  contact?: string;
}

const cover = (id: number | null | undefined) => (id && id > 0 ? `${COVERS}/${id}-M.jpg` : null);
const workId = (key: string) => key.replace(/^\/works\//, '');
/** Open Library subjects are free-form and many ("Fiction", "nyt:hardcover-fiction=2008-05-25"): keep a few plain ones. */
const genresOf = (subjects: readonly string[]) => subjects.filter((s) => /^[\p{L} '&-]{3,30}$/u.test(s)).slice(0, 5);

export class OpenLibraryProvider implements CatalogueProvider {
  readonly name = 'openlibrary' as const;
  readonly kinds: readonly TitleKind[] = ['book'];
  readonly lists: readonly ProviderListName[] = ['popular', 'trending'];
  readonly attribution = {
    provider: 'openlibrary',
    label: 'Open Library',
    notice: 'Book data and covers from Open Library (openlibrary.org), an Internet Archive project.',
    url: 'https://openlibrary.org',
  } as const;
  private readonly http: ProviderHttp;

  constructor({ contact, ...client }: OpenLibraryOptions) {
    this.http = new ProviderHttp({ ...client, provider: 'openlibrary', headers: { 'user-agent': userAgent(contact) }, rateLimit: { limit: 3, windowMs: 1000 } });
  }

  async search(text: string, options: ProviderSearchOptions = {}): Promise<ProviderTitle[]> {
    const query = { q: escapeLucene(text), page: options.page ?? 1, limit: PAGE_SIZE, fields: FIELDS };
    const body = await this.http.getJson('search.json', search, { ...options, query });
    return body.docs.map((d) => this.fromSearch(d));
  }

  async details(ref: { kind: TitleKind; externalId: string }, options: ProviderCallOptions = {}): Promise<ProviderTitle> {
    if (!/^OL\d+W$/.test(ref.externalId)) throw new InputError(`An Open Library work id looks like OL45804W; got "${ref.externalId}".`, 'id');
    const w = await this.http.getJson(`works/${ref.externalId}.json`, work, { ...options, notFound: `work ${ref.externalId}` });
    // Works hold no author names or page counts; the search index has both for the same key. Quoted: in Solr's
    // syntax an unquoted /.../ is a regular expression.
    const query = { q: `key:"/works/${ref.externalId}"`, fields: FIELDS, limit: 1 };
    const [doc] = (await this.http.getJson('search.json', search, { ...options, query })).docs;
    const description = typeof w.description === 'string' ? w.description : (w.description?.value ?? null);
    return {
      ...(doc ? this.fromSearch(doc) : emptyTitle({ source: 'openlibrary', externalId: ref.externalId, kind: 'book', name: w.title })),
      name: w.title,
      overview: textOrNull(description),
      imageUrl: cover(w.covers[0]) ?? cover(doc?.cover_i),
      genres: genresOf(w.subjects.length ? w.subjects : (doc?.subject ?? [])),
      detailed: true,
    };
  }

  async list(name: ProviderListName, options: ProviderListOptions = {}): Promise<ProviderTitle[]> {
    const page = options.page ?? 1;
    if (name === 'trending') {
      const body = await this.http.getJson('trending/weekly.json', trending, { ...options, query: { page, limit: PAGE_SIZE }, ttlSeconds: 6 * 3600 });
      return body.works.map((d) => this.fromSearch({ subject: [], number_of_pages_median: null, ...d }));
    }
    if (!options.subject) throw new InputError('Open Library lists popular books per subject; name one (--subject science_fiction).', 'subject');
    const slug = options.subject.trim().toLowerCase().replace(/\s+/g, '_');
    const query = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
    const body = await this.http.getJson(`subjects/${encodeURIComponent(slug)}.json`, subject, { ...options, query, ttlSeconds: 6 * 3600 });
    return body.works.map((w) =>
      emptyTitle({
        source: 'openlibrary',
        externalId: workId(w.key),
        kind: 'book',
        name: w.title,
        year: w.first_publish_year ?? null,
        imageUrl: cover(w.cover_id),
        creators: w.authors.map((a) => a.name),
      }),
    );
  }

  private fromSearch(d: z.infer<typeof searchDoc>): ProviderTitle {
    return emptyTitle({
      source: 'openlibrary',
      externalId: workId(d.key),
      kind: 'book',
      name: d.title,
      year: d.first_publish_year ?? null,
      imageUrl: cover(d.cover_i),
      creators: d.author_name.slice(0, 3),
      genres: genresOf(d.subject),
      pageCount: d.number_of_pages_median ?? null,
    });
  }
}
