-- Every name a title can be searched by (src/catalog/names.ts, search.ts): the main name, a.k.a. and
-- original-language names, and canonical forms ("rocky 4" for "Rocky IV"). One row per normalised form.

-- The query side of `compact` calls these too (src/catalog/search-sql.ts), so both sides strip the same way.
-- A leading English article, so "dark knight" and "the dark knight" meet.
CREATE FUNCTION title_name_bare(name text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN regexp_replace(name, '^(the|an?) (?=.)', '');
-- Without the article and without spaces, so "xmen", "x men" and "X-Men" meet.
CREATE FUNCTION title_name_compact(name text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN replace(title_name_bare(name), ' ', '');

-- CreateEnum
CREATE TYPE "title_name_source" AS ENUM ('main', 'movielens');

-- CreateTable (compact and words are generated columns; Prisma cannot say so, hence hand-written)
CREATE TABLE "title_names" (
    "title_id" INTEGER NOT NULL,
    "search_name" TEXT NOT NULL,
    "source" "title_name_source" NOT NULL,
    "compact" TEXT GENERATED ALWAYS AS (title_name_compact("search_name")) STORED,
    "words" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "search_name")) STORED,

    CONSTRAINT "title_names_pkey" PRIMARY KEY ("title_id","search_name")
);

-- CreateIndex
CREATE INDEX "title_names_search_name_trgm_idx" ON "title_names" USING GIN ("search_name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "title_names_compact_idx" ON "title_names"("compact" text_pattern_ops);

-- CreateIndex
CREATE INDEX "title_names_words_idx" ON "title_names" USING GIN ("words");

-- CreateIndex (similarity by trigrams of the one-word compact form: a short word's leading trigrams, such as
-- " th", are in most names but only in few compact forms, so the index hands far fewer rows to recheck)
CREATE INDEX "title_names_compact_trgm_idx" ON "title_names" USING GIN ("compact" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "titles_year_idx" ON "titles"("year");

-- DropIndex (search reads title_names now)
DROP INDEX "titles_search_name_trgm_idx";

-- AddForeignKey
ALTER TABLE "title_names" ADD CONSTRAINT "title_names_title_id_fkey" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- pg_trgm declares its similarity operators as cheap as "=" (COST 1); each call really costs a few microseconds,
-- about a hundred times more. Believing them cheap, the planner prefers a sequential scan that runs similarity on
-- every name (30-60 ms over ml-latest-small) to the trigram index (1-5 ms). Telling it the truth keeps the index.
-- Only the owner of pg_trgm's functions may do this; without the right the search still works, only slower, so
-- a database user without it gets a notice rather than a failed migration. (pg_dump does not keep this setting.)
DO $$
BEGIN
  ALTER FUNCTION similarity_op(text, text) COST 100;
  ALTER FUNCTION word_similarity_op(text, text) COST 100;
  ALTER FUNCTION word_similarity_commutator_op(text, text) COST 100;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'tastebud: could not raise the cost of pg_trgm''s similarity operators (%); title search may use sequential scans', SQLERRM;
END $$;

-- titles.search_name is a title's main name in every database, however the title was written (import, tests,
-- tools): these triggers keep its 'main' row in title_names in step. The import adds the other names itself.
CREATE FUNCTION title_names_add_main() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO title_names (title_id, search_name, source)
  SELECT id, search_name, 'main' FROM new_titles
  ON CONFLICT (title_id, search_name) DO UPDATE SET source = 'main';
  RETURN NULL;
END $$;

CREATE FUNCTION title_names_replace_main() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM title_names WHERE title_id = NEW.id AND source = 'main';
  INSERT INTO title_names (title_id, search_name, source) VALUES (NEW.id, NEW.search_name, 'main')
  ON CONFLICT (title_id, search_name) DO UPDATE SET source = 'main';
  RETURN NULL;
END $$;

-- Statement-level for inserts: one set-based insert per import batch instead of one call per title.
CREATE TRIGGER "titles_add_main_name" AFTER INSERT ON "titles"
  REFERENCING NEW TABLE AS new_titles FOR EACH STATEMENT EXECUTE FUNCTION title_names_add_main();
CREATE TRIGGER "titles_replace_main_name" AFTER UPDATE OF "search_name" ON "titles"
  FOR EACH ROW WHEN (OLD.search_name IS DISTINCT FROM NEW.search_name) EXECUTE FUNCTION title_names_replace_main();

-- Backfill: every existing title is searchable by its main name at once. Its other names (and the main name in
-- the new normal form) arrive with the next `tastebud import movielens`, which rewrites what changed.
INSERT INTO title_names (title_id, search_name, source) SELECT id, search_name, 'main' FROM titles;
