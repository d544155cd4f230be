-- How long /recommend took to rank the suggestions it showed (milliseconds; null for suggestions from other
-- commands and for rows stored before this column), read by the online report's p50/p95 latency.
-- AlterTable
ALTER TABLE "suggestions" ADD COLUMN "latency_ms" INTEGER;
