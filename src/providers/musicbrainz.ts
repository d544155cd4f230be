/**
 * Music from MusicBrainz (https://musicbrainz.org/doc/MusicBrainz_API): release groups (albums, EPs, singles)
 * searched and looked up through /ws/2 with fmt=json, cover art from the Cover Art Archive. MusicBrainz allows one
 * request a second per client and asks for a User-Agent naming the application and a contact; it answers 503
 * when a client goes faster. It has no popularity or trending lists. Emulated in src/emulator/providers/musicbrainz.ts.
 */
import { z } from 'zod';
import { InputError } from '../lib/input-error.ts';
import { ProviderHttp, userAgent, type ProviderClientOptions } from './http.ts';
import { emptyTitle, escapeLucene, yearOf, type CatalogueProvider, type ProviderCallOptions, type ProviderListName, type ProviderSearchOptions, type ProviderTitle, type TitleKind } from './types.ts';

const PAGE_SIZE = 20;
const COVER_ART = 'https://coverartarchive.org/release-group';
const MBID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const credit = z.object({ name: z.string(), joinphrase: z.string().optional() });
const named = z.object({ name: z.string(), count: z.number().optional() });
const releaseGroup = z.object({
  id: z.string().regex(MBID),
  title: z.string(),
  'primary-type': z.string().nullish(),
  'first-release-date': z.string().nullish(),
  'artist-credit': z.array(credit).default([]),
  genres: z.array(named).optional(),
  tags: z.array(named).default([]),
});
const searchPage = z.object({ count: z.number(), offset: z.number(), 'release-groups': z.array(releaseGroup) });

export interface MusicBrainzOptions extends ProviderClientOptions {
  /** An email or URL, sent in the User-Agent as MusicBrainz requires. */
  contact: string;
}

/** Most counted first: MusicBrainz's genres when given (lookups), else its folksonomy tags. */
function genresOf(rg: z.infer<typeof releaseGroup>): string[] {
  const list = rg.genres && rg.genres.length ? rg.genres : rg.tags;
  return [...list]
    .sort((a, b) => (b.count ?? 0) - (a.count ?? 0))
    .slice(0, 5)
    .map((g) => g.name);
}

export class MusicBrainzProvider implements CatalogueProvider {
  readonly name = 'musicbrainz' as const;
  readonly kinds: readonly TitleKind[] = ['music'];
  readonly lists: readonly ProviderListName[] = [];
  readonly attribution = {
    provider: 'musicbrainz',
    label: 'MusicBrainz',
    notice: 'Music data from MusicBrainz (musicbrainz.org, CC0); cover art from the Cover Art Archive (coverartarchive.org).',
    url: 'https://musicbrainz.org',
  } as const;
  private readonly http: ProviderHttp;

  constructor({ contact, ...client }: MusicBrainzOptions) {
    this.http = new ProviderHttp({ ...client, provider: 'musicbrainz', headers: { 'user-agent': userAgent(contact) }, rateLimit: { limit: 1, windowMs: 1000 } });
  }

  async search(text: string, options: ProviderSearchOptions = {}): Promise<ProviderTitle[]> {
    const query = { query: escapeLucene(text), fmt: 'json', limit: PAGE_SIZE, offset: ((options.page ?? 1) - 1) * PAGE_SIZE };
    const body = await this.http.getJson('release-group', searchPage, { ...options, query });
    return body['release-groups'].map((rg) => this.titleOf(rg, false));
  }

  async details(ref: { kind: TitleKind; externalId: string }, options: ProviderCallOptions = {}): Promise<ProviderTitle> {
    if (!MBID.test(ref.externalId)) throw new InputError(`A MusicBrainz id is a UUID; got "${ref.externalId}".`, 'id');
    const query = { fmt: 'json', inc: 'artist-credits+genres+tags' };
    const rg = await this.http.getJson(`release-group/${ref.externalId}`, releaseGroup, { ...options, query, notFound: `release group ${ref.externalId}` });
    return this.titleOf(rg, true);
  }

  async list(name: ProviderListName): Promise<ProviderTitle[]> {
    throw new InputError(`MusicBrainz has no ${name} list; search it by name instead.`, 'list');
  }

  private titleOf(rg: z.infer<typeof releaseGroup>, detailed: boolean): ProviderTitle {
    return emptyTitle({
      source: 'musicbrainz',
      externalId: rg.id,
      kind: 'music',
      name: rg.title,
      year: yearOf(rg['first-release-date']),
      genres: genresOf(rg),
      // The archive answers 404 for a release group without art; callers show the title without an image then.
      imageUrl: `${COVER_ART}/${rg.id}/front-500`,
      creators: rg['artist-credit'].map((c) => c.name),
      detailed,
    });
  }
}
