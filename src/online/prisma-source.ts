import type { PrismaClient } from '../db/client.ts';
import type { DateRange, OnlineData, OnlineDataSource, ShownSuggestion } from './measures.ts';

/**
 * Suggestion rows that are not recommendations: a /search lookup (the member chose the title) and the movie
 * night winner's rating message (the group chose it). Their reasons are the ones src/bot stores.
 */
export const NOT_RECOMMENDATIONS = ['search', 'the movie night winner'] as const;

interface Row {
  user_id: number;
  title_id: number;
  position: number;
  model_version_id: number | null;
  created_at: Date;
  latency_ms: number | null;
  reacted: boolean;
  value: number | null;
  rating_created_at: Date | null;
  rating_updated_at: Date | null;
  hidden_at: Date | null;
  rating_count: number;
}

/**
 * The suggestions shown in [since, until) to members who still exist (rows of members who used /forget-me have
 * no user and are skipped), each with the member's current rating, hide and reactions on its message.
 */
export function prismaOnlineData(prisma: Pick<PrismaClient, '$queryRaw'>): OnlineDataSource {
  return async ({ since, until }: DateRange): Promise<OnlineData> => {
    const rows = await prisma.$queryRaw<Row[]>`
      SELECT s.user_id, s.title_id, s.position, s.model_version_id, s.created_at, s.latency_ms,
             EXISTS (SELECT 1 FROM suggestion_reactions sr WHERE sr.message_id = s.message_id AND sr.user_id = s.user_id) AS reacted,
             r.value, r.created_at AS rating_created_at, r.updated_at AS rating_updated_at,
             h.created_at AS hidden_at, t.rating_count
      FROM suggestions s
      JOIN titles t ON t.id = s.title_id
      LEFT JOIN ratings r ON r.user_id = s.user_id AND r.title_id = s.title_id
      LEFT JOIN hidden_titles h ON h.user_id = s.user_id AND h.title_id = s.title_id
      WHERE s.user_id IS NOT NULL AND s.created_at >= ${since} AND s.created_at < ${until}
        AND (s.reason IS NULL OR s.reason NOT IN (${NOT_RECOMMENDATIONS[0]}, ${NOT_RECOMMENDATIONS[1]}))`;
    const [counts] = await prisma.$queryRaw<{ titles: number; users: number }[]>`
      SELECT (SELECT count(*)::int FROM titles) AS titles,
             (SELECT count(*)::int FROM users u WHERE EXISTS (SELECT 1 FROM ratings r WHERE r.user_id = u.id)) AS users`;
    return { shown: rows.map(toShown), catalogueTitles: counts?.titles ?? 0, ratingUsers: counts?.users ?? 0 };
  };
}

function toShown(row: Row): ShownSuggestion {
  return {
    userId: row.user_id,
    titleId: row.title_id,
    position: row.position,
    modelVersion: row.model_version_id,
    shownAt: row.created_at,
    latencyMs: row.latency_ms,
    reacted: row.reacted,
    rating: row.value === null ? null : { value: Number(row.value), createdAt: row.rating_created_at!, updatedAt: row.rating_updated_at! },
    hiddenAt: row.hidden_at,
    titleRatingCount: Number(row.rating_count),
  };
}
