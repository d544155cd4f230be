-- /forget-me no longer deletes the suggestion messages shown to the leaving member: other members' reactions on
-- them decide those members' ratings. Who a suggestion was shown to becomes nobody (NULL) instead.
-- DropForeignKey
ALTER TABLE "suggestions" DROP CONSTRAINT "suggestions_user_id_fkey";

-- AlterTable
ALTER TABLE "suggestions" ALTER COLUMN "user_id" DROP NOT NULL;

-- Reactions a forgotten member still holds in Discord, as one-way hashes only, so reconciliation does not re-add them.
-- CreateTable
CREATE TABLE "forgotten_reactions" (
    "message_id" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "forgotten_reactions_pkey" PRIMARY KEY ("message_id","token")
);

-- AddForeignKey
ALTER TABLE "suggestions" ADD CONSTRAINT "suggestions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "forgotten_reactions" ADD CONSTRAINT "forgotten_reactions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "suggestions"("message_id") ON DELETE CASCADE ON UPDATE CASCADE;
