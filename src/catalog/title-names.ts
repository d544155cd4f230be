/** Writes a catalogue's other names (a.k.a., original-language, canonical forms) into title_names. */
import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { titleSearchNames } from './names.ts';

/** What the writer needs: a node-postgres client (or pool). */
export type NamesDb = Pick<pg.ClientBase, 'query'>;

/**
 * Makes `title_names` hold exactly these names for the MovieLens titles given ({@link titleSearchNames} of each
 * readable name, except the main one, which the titles trigger keeps): inserts the missing rows, deletes the
 * import's rows a title no longer has, and touches nothing else, so importing the same file again writes nothing.
 */
export async function writeMovieLensNames(db: NamesDb, titles: readonly { movielensId: number; name: string }[]): Promise<void> {
  if (titles.length === 0) return;
  const wanted = titles.map((t) => ({ id: t.movielensId, names: titleSearchNames(t.name).slice(1) }));
  await db.query(
    `WITH wanted AS (
       SELECT t.id AS title_id, f.search_name
       FROM jsonb_to_recordset($1::jsonb) AS r(id int, names text[])
       JOIN titles t ON t.movielens_id = r.id
       CROSS JOIN LATERAL unnest(r.names) AS f(search_name)
       WHERE f.search_name <> t.search_name
     ), gone AS (
       DELETE FROM title_names n USING titles t
       WHERE n.title_id = t.id AND t.movielens_id = ANY($2::int[]) AND n.source = 'movielens'
         AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.title_id = n.title_id AND w.search_name = n.search_name)
     )
     INSERT INTO title_names (title_id, search_name, source)
     SELECT title_id, search_name, 'movielens' FROM wanted
     ON CONFLICT (title_id, search_name) DO NOTHING`,
    [JSON.stringify(wanted), wanted.map((w) => w.id)],
  );
}

/** Where a provider's names for a title come from (title_name_source values other than main and movielens). */
export type ProviderNameSource = 'tmdb' | 'rawg' | 'openlibrary' | 'musicbrainz';

/** What {@link writeProviderNames} needs: Prisma's raw statements (a client or an interactive transaction). */
export type ProviderNamesDb = Pick<PrismaClient, '$executeRaw'>;

/**
 * Makes the `source` rows of one title exactly these names' search forms ({@link titleSearchNames} of each:
 * as written and in canonical form), so search ranks a provider's original and alternative titles like the main
 * name. A form the title already has from another source keeps that source.
 */
export async function writeProviderNames(db: ProviderNamesDb, titleId: number, source: ProviderNameSource, names: readonly string[]): Promise<void> {
  const forms = [...new Set(names.flatMap((name) => titleSearchNames(name)))];
  await db.$executeRaw`DELETE FROM title_names WHERE title_id = ${titleId} AND source = ${source}::title_name_source AND NOT (search_name = ANY (${forms}::text[]))`;
  if (forms.length === 0) return;
  await db.$executeRaw`INSERT INTO title_names (title_id, search_name, source)
    SELECT ${titleId}, f, ${source}::title_name_source FROM unnest(${forms}::text[]) AS f
    ON CONFLICT (title_id, search_name) DO NOTHING`;
}
