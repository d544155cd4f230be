import type { PrismaClient } from '../db/client.ts';
import { loadModelVersion, type DeserializeModel } from '../model-store/store.ts';
import { loadCatalog, PrismaUserSource } from '../recommend/prisma-sources.ts';
import { Recommender } from '../recommend/recommender.ts';
import type { RatedTitle } from '../recommend/types.ts';
import { ACCEPT_AT, ratingInWindow, type DateRange } from './measures.ts';
import { prismaOnlineData } from './prisma-source.ts';
import { batchesOf, replay, type LoggedImpression, type ReplayPolicy, type ReplayResult } from './replay.ts';

export interface ReplayReport extends ReplayResult {
  versionId: number;
  since: string;
  until: string;
}

interface Dated {
  titleId: number;
  at: number;
}

/** Each member's ratings and hides with their times, to rebuild the history a member had at any moment. */
async function historiesOf(prisma: PrismaClient, userIds: number[]) {
  const [ratings, hidden] = await Promise.all([
    prisma.rating.findMany({ where: { userId: { in: userIds } }, select: { userId: true, titleId: true, value: true, createdAt: true, updatedAt: true } }),
    prisma.hiddenTitle.findMany({ where: { userId: { in: userIds } }, select: { userId: true, titleId: true, createdAt: true } }),
  ]);
  const rated = new Map<number, (Dated & RatedTitle)[]>();
  const hides = new Map<number, Dated[]>();
  for (const r of ratings) rated.set(r.userId, [...(rated.get(r.userId) ?? []), { titleId: r.titleId, value: r.value, ratedAt: r.updatedAt.getTime(), at: r.createdAt.getTime() }]);
  for (const h of hidden) hides.set(h.userId, [...(hides.get(h.userId) ?? []), { titleId: h.titleId, at: h.createdAt.getTime() }]);
  return { rated, hides };
}

/**
 * A stored version as a replay policy: its ranking for the member's history as of each logged moment (ratings
 * first made and titles hidden before it; a rating changed later counts with its current value, since only the
 * latest is stored).
 */
async function versionPolicy(prisma: PrismaClient, versionId: number, deserialize: DeserializeModel, userIds: number[]): Promise<ReplayPolicy> {
  const [{ model, index }, catalog, { rated, hides }] = await Promise.all([loadModelVersion(prisma, versionId, deserialize, { graph: false }), loadCatalog(prisma), historiesOf(prisma, userIds)]);
  const recommender = new Recommender({ model, index, catalog, users: new PrismaUserSource(prisma), versionId });
  return (userId, at, count) => {
    const before = (d: Dated) => d.at < at.getTime();
    const ratings = (rated.get(userId) ?? []).filter(before).map(({ titleId, value, ratedAt }) => ({ titleId, value, ratedAt: Math.min(ratedAt, at.getTime()) }));
    const hidden = (hides.get(userId) ?? []).filter(before).map((h) => h.titleId);
    return recommender.recommendFor({ userId, ratings, hidden }, { count }).map((r) => r.titleId);
  };
}

/** `tastebud eval replay`: version `versionId` replayed on the impressions logged in [since, until). */
export async function replayStoredVersion(prisma: PrismaClient, versionId: number, range: DateRange, deserialize: DeserializeModel): Promise<ReplayReport> {
  const data = await prismaOnlineData(prisma)(range);
  const impressions: LoggedImpression[] = data.shown.map((s) => ({ userId: s.userId, titleId: s.titleId, position: s.position, shownAt: s.shownAt, accepted: (ratingInWindow(s) ?? 0) >= ACCEPT_AT }));
  const policy = await versionPolicy(prisma, versionId, deserialize, [...new Set(impressions.map((i) => i.userId))]);
  return { versionId, since: range.since.toISOString(), until: range.until.toISOString(), ...replay(batchesOf(impressions), policy) };
}
