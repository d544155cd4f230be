import { dotProductPredictor, rankForGroup, type CandidateTitle, type GroupMember } from '../groups/rank.ts';
import type { MemoryCatalog } from '../recommend/catalog.ts';
import type { RecommenderSnapshot } from '../recommend/prisma-sources.ts';
import type { UserHistory, UserSource } from '../recommend/types.ts';
import { displayTitle, quoteUserText } from './messages.ts';
import type { GroupRequest, GroupSuggestedTitle } from './ports.ts';

/** Loved titles named in reasons: the member's 5-star ratings, newest first, a few. */
const LOVED_TITLES = 20;

/**
 * Movie night candidates from the serving model: each participant's vector as /recommend builds it
 * (Recommender.userVector over the ratings the model knows), scored against every eligible title by
 * {@link rankForGroup}. Without a model, or for members without usable ratings, members are neutral and
 * popularity decides.
 */
export async function groupSuggestions(users: UserSource, model: RecommenderSnapshot | undefined, catalog: MemoryCatalog, request: GroupRequest): Promise<GroupSuggestedTitle[]> {
  const histories = new Map<string, UserHistory>();
  for (const m of request.members) histories.set(m.discordId, (await users.history(m.userId)) ?? { userId: m.userId, ratings: [], hidden: [] });
  const members: GroupMember[] = request.members.map((m) => {
    const history = histories.get(m.discordId)!;
    const known = model ? history.ratings.filter((r) => model.recommender.titleVector(r.titleId)) : [];
    const loved = [...history.ratings]
      .filter((r) => r.value >= 5)
      .sort((a, b) => b.ratedAt - a.ratedAt)
      .slice(0, LOVED_TITLES);
    return {
      id: m.discordId,
      displayName: m.name,
      vector: model && known.length > 0 ? model.recommender.userVector({ ...history, ratings: known }) : null,
      lovedTitles: loved.flatMap((r) => {
        const t = catalog.get(r.titleId);
        return t ? [{ titleId: t.id, name: displayTitle(t), genres: t.genres }] : [];
      }),
    };
  });
  const wanted = request.genre?.toLowerCase();
  const candidates: CandidateTitle[] = catalog
    .all()
    .filter((t) => (!request.kind || t.kind === request.kind) && (!wanted || t.genres.some((g) => g.toLowerCase() === wanted)))
    .map((t) => ({ titleId: t.id, name: displayTitle(t), genres: t.genres, popularity: t.ratingCount }));
  const all = [...histories.values()];
  const ranked = rankForGroup({
    members,
    candidates,
    predict: dotProductPredictor((id) => model?.recommender.titleVector(id)),
    strategy: request.strategy,
    count: request.count,
    seenTitleIds: all.flatMap((h) => h.ratings.map((r) => r.titleId)),
    hiddenTitleIds: all.flatMap((h) => h.hidden),
    includeSeen: request.includeSeen,
    fairHistory: request.fairHistory,
    escape: (text) => quoteUserText(text, 60),
  });
  return ranked.flatMap((candidate) => {
    const t = catalog.get(candidate.titleId);
    return t ? [{ id: t.id, name: t.name, year: t.year, genres: t.genres, kind: t.kind, ratingCount: t.ratingCount, ratingMean: t.ratingMean, candidate }] : [];
  });
}
