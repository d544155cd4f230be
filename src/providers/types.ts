/**
 * The one interface every catalogue provider (TMDB, RAWG, Open Library, MusicBrainz) offers, and the title
 * record they all answer with. Callers (the CLI imports and enrichment today; autocomplete fallback and
 * `tastebud try --providers` later) depend on this file only, never on one provider's response shapes.
 */
import type { ExternalSource as StoredExternalSource, TitleKind } from '../generated/prisma/enums.ts';

/** A provider's record kind; the dataset ids (goodbooks, goodreads, isbn: src/import/goodbooks.ts) are no provider's. */
type ExternalSource = Exclude<StoredExternalSource, 'goodbooks' | 'goodreads' | 'isbn'>;

export type { ExternalSource, TitleKind };

export type ProviderName = 'tmdb' | 'rawg' | 'openlibrary' | 'musicbrainz';

/** A list a provider can page through: what is popular overall, or what is trending now. */
export type ProviderListName = 'popular' | 'trending';

/** A title as a provider describes it. Search and list results fill what the provider's summary gives. */
export interface ProviderTitle {
  source: ExternalSource;
  externalId: string;
  kind: TitleKind;
  name: string;
  /** The name in its original language, when the provider gives one and it differs. */
  originalName: string | null;
  year: number | null;
  overview: string | null;
  genres: string[];
  /** Poster, cover or key art, ready to show (absolute URL). */
  imageUrl: string | null;
  runtimeMinutes: number | null;
  pageCount: number | null;
  originalLanguage: string | null;
  /** Top-billed cast, in billing order (movies and shows). */
  cast: string[];
  /** Director(s), show creators, authors, developers or artists. */
  creators: string[];
  /** Other names the title is known by (TMDB alternative titles), for search. */
  alternativeNames: string[];
  /** Whether this came from a details lookup (true) or a search/list summary (false). */
  detailed: boolean;
}

/** Per call: a tighter timeout and fewer attempts (autocomplete's budget). */
export interface ProviderCallOptions {
  timeoutMs?: number;
  /** At most this many attempts (default: the client's; 1 for calls that must not wait for a retry). */
  maxAttempts?: number;
}

export interface ProviderSearchOptions extends ProviderCallOptions {
  /** For providers with more than one kind (TMDB: movie or show); default: the provider's first kind. */
  kind?: TitleKind;
  page?: number;
}

export interface ProviderListOptions extends ProviderCallOptions {
  kind?: TitleKind;
  page?: number;
  /** Open Library's popular list is per subject ("science_fiction"). */
  subject?: string;
}

/** What the provider's terms ask us to show, and where it came from. */
export interface Attribution {
  provider: ProviderName;
  /** Human name: "TMDB". */
  label: string;
  /** The notice, verbatim where the terms give one. */
  notice: string;
  url: string;
}

export interface CatalogueProvider {
  readonly name: ProviderName;
  /** Kinds this provider catalogues, the default first. */
  readonly kinds: readonly TitleKind[];
  /** Lists {@link list} accepts; empty when the provider has none (MusicBrainz). */
  readonly lists: readonly ProviderListName[];
  readonly attribution: Attribution;
  search(text: string, options?: ProviderSearchOptions): Promise<ProviderTitle[]>;
  /** The full record; throws ProviderNotFoundError for an id the provider does not know. */
  details(ref: { kind: TitleKind; externalId: string }, options?: ProviderCallOptions): Promise<ProviderTitle>;
  list(name: ProviderListName, options?: ProviderListOptions): Promise<ProviderTitle[]>;
}

/** A provider left off: why, and the one thing that turns it on. */
export interface DisabledProvider {
  name: ProviderName;
  kinds: readonly TitleKind[];
  howToEnable: string;
}

export function emptyTitle(fields: Pick<ProviderTitle, 'source' | 'externalId' | 'kind' | 'name'> & Partial<ProviderTitle>): ProviderTitle {
  return {
    originalName: null,
    year: null,
    overview: null,
    genres: [],
    imageUrl: null,
    runtimeMinutes: null,
    pageCount: null,
    originalLanguage: null,
    cast: [],
    creators: [],
    alternativeNames: [],
    detailed: false,
    ...fields,
  };
}

/** "1999-03-30" or "1999" -> 1999; anything else -> null. */
export function yearOf(date: string | null | undefined): number | null {
  const match = /^(\d{4})/.exec(date ?? '');
  return match ? Number(match[1]) : null;
}

/** Blank strings from providers mean "unknown". */
export function textOrNull(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/** An image URL fit to store and show (Discord refuses other schemes): http(s), at most 2,048 characters; else null. */
export function imageUrlOrNull(value: string | null | undefined): string | null {
  if (!value || value.length > 2048) return null;
  try {
    return ['https:', 'http:'].includes(new URL(value).protocol) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Free text made safe for a Lucene/Solr query (MusicBrainz, Open Library): "Dune: Messiah" would otherwise search
 * a field called Dune, and "AC/DC" open a regular expression.
 */
export function escapeLucene(text: string): string {
  return text.replace(/[+\-&|!(){}[\]^"~*?:\\/]/g, (c) => `\\${c}`);
}
