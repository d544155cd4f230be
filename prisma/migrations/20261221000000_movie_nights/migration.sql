-- Movie night (/movienight): nights, participants, candidates, per-member fits and approval votes.
-- One open night per channel: open_channel_id is the channel while the night is open, NULL after, and unique.

-- CreateEnum
CREATE TYPE "movie_night_state" AS ENUM ('joining', 'voting', 'closed', 'cancelled');

-- CreateTable
CREATE TABLE "movie_nights" (
    "id" SERIAL NOT NULL,
    "guild_id" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "open_channel_id" TEXT,
    "announcement_id" TEXT NOT NULL,
    "host_user_id" INTEGER,
    "state" "movie_night_state" NOT NULL DEFAULT 'joining',
    "starts_at" TIMESTAMP(3),
    "kind" TEXT,
    "genre" TEXT,
    "candidate_count" INTEGER NOT NULL,
    "strategy" TEXT NOT NULL,
    "include_seen" BOOLEAN NOT NULL,
    "event_id" TEXT,
    "winner_title_id" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMP(3),

CONSTRAINT "movie_nights_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "movie_night_participants" (
    "night_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "favoured" BOOLEAN NOT NULL DEFAULT false,
    "joined_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

CONSTRAINT "movie_night_participants_pkey" PRIMARY KEY ("night_id","user_id")
);

-- CreateTable
CREATE TABLE "movie_night_candidates" (
    "id" SERIAL NOT NULL,
    "night_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "message_id" TEXT NOT NULL,
    "title_id" INTEGER NOT NULL,
    "group_score" DOUBLE PRECISION NOT NULL,
    "reason" TEXT NOT NULL,

CONSTRAINT "movie_night_candidates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "movie_night_fits" (
    "candidate_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "fit" TEXT NOT NULL,

CONSTRAINT "movie_night_fits_pkey" PRIMARY KEY ("candidate_id","user_id")
);

-- CreateTable
CREATE TABLE "movie_night_votes" (
    "candidate_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

CONSTRAINT "movie_night_votes_pkey" PRIMARY KEY ("candidate_id","user_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "movie_nights_open_channel_id_key" ON "movie_nights"("open_channel_id");

-- CreateIndex
CREATE UNIQUE INDEX "movie_nights_announcement_id_key" ON "movie_nights"("announcement_id");

-- CreateIndex
CREATE INDEX "movie_nights_guild_id_closed_at_idx" ON "movie_nights"("guild_id", "closed_at");

-- CreateIndex
CREATE INDEX "movie_nights_host_user_id_idx" ON "movie_nights"("host_user_id");

-- CreateIndex
CREATE INDEX "movie_night_participants_user_id_idx" ON "movie_night_participants"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "movie_night_candidates_message_id_key" ON "movie_night_candidates"("message_id");

-- CreateIndex
CREATE UNIQUE INDEX "movie_night_candidates_night_id_position_key" ON "movie_night_candidates"("night_id", "position");

-- CreateIndex
CREATE INDEX "movie_night_fits_user_id_idx" ON "movie_night_fits"("user_id");

-- CreateIndex
CREATE INDEX "movie_night_votes_user_id_idx" ON "movie_night_votes"("user_id");

-- AddForeignKey
ALTER TABLE "movie_nights" ADD CONSTRAINT "movie_nights_host_user_id_fkey" FOREIGN KEY ("host_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "movie_night_participants" ADD CONSTRAINT "movie_night_participants_night_id_fkey" FOREIGN KEY ("night_id") REFERENCES "movie_nights"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "movie_night_participants" ADD CONSTRAINT "movie_night_participants_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "movie_night_candidates" ADD CONSTRAINT "movie_night_candidates_night_id_fkey" FOREIGN KEY ("night_id") REFERENCES "movie_nights"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "movie_night_candidates" ADD CONSTRAINT "movie_night_candidates_title_id_fkey" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "movie_night_fits" ADD CONSTRAINT "movie_night_fits_candidate_id_fkey" FOREIGN KEY ("candidate_id") REFERENCES "movie_night_candidates"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "movie_night_fits" ADD CONSTRAINT "movie_night_fits_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "movie_night_votes" ADD CONSTRAINT "movie_night_votes_candidate_id_fkey" FOREIGN KEY ("candidate_id") REFERENCES "movie_night_candidates"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "movie_night_votes" ADD CONSTRAINT "movie_night_votes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
