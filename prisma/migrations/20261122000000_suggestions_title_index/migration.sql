-- A reaction decides the rating from the member's reactions on every suggestion of the title: without this index
-- that lookup scanned the whole (never pruned) suggestions table, about 0.5 ms of PostgreSQL CPU per reaction.
-- CreateIndex
CREATE INDEX "suggestions_title_id_idx" ON "suggestions"("title_id");
