-- Catalogue providers (src/providers/): details they write onto titles, which provider record each title is,
-- their alternative titles as search names, and a response cache with an expiry.

-- AlterEnum (the new values are not used in this transaction, which PostgreSQL requires)
ALTER TYPE "title_name_source" ADD VALUE 'tmdb';
ALTER TYPE "title_name_source" ADD VALUE 'rawg';
ALTER TYPE "title_name_source" ADD VALUE 'openlibrary';
ALTER TYPE "title_name_source" ADD VALUE 'musicbrainz';

-- CreateEnum
CREATE TYPE "external_source" AS ENUM ('tmdb_movie', 'tmdb_tv', 'rawg', 'openlibrary', 'musicbrainz');

-- AlterTable
ALTER TABLE "titles" ADD COLUMN "image_url" TEXT,
ADD COLUMN "runtime_minutes" INTEGER,
ADD COLUMN "page_count" INTEGER,
ADD COLUMN "original_language" TEXT,
ADD COLUMN "top_cast" TEXT[],
ADD COLUMN "creators" TEXT[],
ADD COLUMN "enriched_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "title_external_ids" (
    "source" "external_source" NOT NULL,
    "external_id" TEXT NOT NULL,
    "title_id" INTEGER NOT NULL,

    CONSTRAINT "title_external_ids_pkey" PRIMARY KEY ("source","external_id")
);

-- CreateTable
CREATE TABLE "provider_responses" (
    "key" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "body" JSONB NOT NULL,
    "fetched_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "provider_responses_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "title_external_ids_title_id_idx" ON "title_external_ids"("title_id");

-- CreateIndex
CREATE INDEX "provider_responses_expires_at_idx" ON "provider_responses"("expires_at");

-- AddForeignKey
ALTER TABLE "title_external_ids" ADD CONSTRAINT "title_external_ids_title_id_fkey" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE CASCADE ON UPDATE CASCADE;
