-- Title search ranks by trigram similarity (see src/catalog/search.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "title_kind" AS ENUM ('movie', 'show', 'game', 'book', 'music');

-- CreateEnum
CREATE TYPE "user_source" AS ENUM ('discord', 'dataset');

-- CreateEnum
CREATE TYPE "rating_source" AS ENUM ('reaction', 'command', 'import');

-- CreateEnum
CREATE TYPE "model_status" AS ENUM ('training', 'candidate', 'active', 'rejected', 'retired', 'failed');

-- CreateTable
CREATE TABLE "titles" (
    "id" SERIAL NOT NULL,
    "kind" "title_kind" NOT NULL DEFAULT 'movie',
    "name" TEXT NOT NULL,
    "year" INTEGER,
    "genres" TEXT[],
    "tags" TEXT[],
    "overview" TEXT,
    "movielens_id" INTEGER,
    "imdb_id" TEXT,
    "tmdb_id" INTEGER,
    "search_name" TEXT NOT NULL,
    "rating_count" INTEGER NOT NULL DEFAULT 0,
    "rating_mean" DOUBLE PRECISION,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "titles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "source" "user_source" NOT NULL,
    "external_id" TEXT NOT NULL,
    "display_name" TEXT,
    "profile_public" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ratings" (
    "user_id" INTEGER NOT NULL,
    "title_id" INTEGER NOT NULL,
    "value" REAL NOT NULL,
    "source" "rating_source" NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ratings_pkey" PRIMARY KEY ("user_id","title_id")
);

-- CreateTable
CREATE TABLE "hidden_titles" (
    "user_id" INTEGER NOT NULL,
    "title_id" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hidden_titles_pkey" PRIMARY KEY ("user_id","title_id")
);

-- CreateTable
CREATE TABLE "suggestions" (
    "message_id" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "guild_id" TEXT,
    "user_id" INTEGER NOT NULL,
    "title_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "model_version_id" INTEGER,
    "reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "suggestions_pkey" PRIMARY KEY ("message_id")
);

-- CreateTable
CREATE TABLE "suggestion_reactions" (
    "message_id" TEXT NOT NULL,
    "user_id" INTEGER NOT NULL,
    "emoji" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "suggestion_reactions_pkey" PRIMARY KEY ("message_id","user_id","emoji")
);

-- CreateTable
CREATE TABLE "title_embeddings" (
    "title_id" INTEGER NOT NULL,
    "model" TEXT NOT NULL,
    "text_hash" TEXT NOT NULL,
    "dimension" INTEGER NOT NULL,
    "vector" BYTEA NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "title_embeddings_pkey" PRIMARY KEY ("title_id")
);

-- CreateTable
CREATE TABLE "model_versions" (
    "id" SERIAL NOT NULL,
    "status" "model_status" NOT NULL DEFAULT 'training',
    "architecture" TEXT NOT NULL,
    "backend" TEXT NOT NULL,
    "dimension" INTEGER NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "loss_history" JSONB NOT NULL DEFAULT '[]',
    "training_ratings" INTEGER NOT NULL DEFAULT 0,
    "training_users" INTEGER NOT NULL DEFAULT 0,
    "training_titles" INTEGER NOT NULL DEFAULT 0,
    "duration_ms" INTEGER,
    "status_reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "promoted_at" TIMESTAMP(3),

    CONSTRAINT "model_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_artifacts" (
    "version_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_artifacts_pkey" PRIMARY KEY ("version_id","name")
);

-- CreateTable
CREATE TABLE "user_vectors" (
    "user_id" INTEGER NOT NULL,
    "version_id" INTEGER NOT NULL,
    "dimension" INTEGER NOT NULL,
    "vector" BYTEA NOT NULL,
    "ratings_count" INTEGER NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_vectors_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "outbox_events" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dispatched_at" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "titles_movielens_id_key" ON "titles"("movielens_id");

-- CreateIndex
CREATE INDEX "titles_kind_rating_count_idx" ON "titles"("kind", "rating_count" DESC);

-- CreateIndex
CREATE INDEX "titles_search_name_trgm_idx" ON "titles" USING GIN ("search_name" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "users_source_external_id_key" ON "users"("source", "external_id");

-- CreateIndex
CREATE INDEX "ratings_title_id_idx" ON "ratings"("title_id");

-- CreateIndex
CREATE INDEX "ratings_updated_at_idx" ON "ratings"("updated_at");

-- CreateIndex
CREATE INDEX "suggestions_created_at_idx" ON "suggestions"("created_at");

-- CreateIndex
CREATE INDEX "suggestions_user_id_idx" ON "suggestions"("user_id");

-- CreateIndex
CREATE INDEX "suggestion_reactions_user_id_idx" ON "suggestion_reactions"("user_id");

-- CreateIndex
CREATE INDEX "model_versions_status_idx" ON "model_versions"("status");

-- CreateIndex
CREATE INDEX "outbox_events_dispatched_at_id_idx" ON "outbox_events"("dispatched_at", "id");

-- AddForeignKey
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_title_id_fkey" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "hidden_titles" ADD CONSTRAINT "hidden_titles_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "hidden_titles" ADD CONSTRAINT "hidden_titles_title_id_fkey" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "suggestions" ADD CONSTRAINT "suggestions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "suggestions" ADD CONSTRAINT "suggestions_title_id_fkey" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "suggestion_reactions" ADD CONSTRAINT "suggestion_reactions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "suggestions"("message_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "suggestion_reactions" ADD CONSTRAINT "suggestion_reactions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "title_embeddings" ADD CONSTRAINT "title_embeddings_title_id_fkey" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_artifacts" ADD CONSTRAINT "model_artifacts_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_vectors" ADD CONSTRAINT "user_vectors_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_vectors" ADD CONSTRAINT "user_vectors_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- MovieLens scale: 0.5 to 5 in half steps. Prisma has no check constraints, so this lives here only.
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_value_half_steps" CHECK ("value" >= 0.5 AND "value" <= 5 AND "value" * 2 = round("value" * 2));
