-- CreateTable
CREATE TABLE "movie_night_forgotten_joins" (
    "night_id" INTEGER NOT NULL,
    "token" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "movie_night_forgotten_joins_pkey" PRIMARY KEY ("night_id","token")
);

-- AddForeignKey
ALTER TABLE "movie_night_forgotten_joins" ADD CONSTRAINT "movie_night_forgotten_joins_night_id_fkey" FOREIGN KEY ("night_id") REFERENCES "movie_nights"("id") ON DELETE CASCADE ON UPDATE CASCADE;
