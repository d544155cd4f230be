import type { CandidateTitle, GroupCandidate, GroupMember, GroupSettings, LovedTitle, MemberFit, MemberPrediction } from './types.ts';

/** Good at or above the good percentile, poor below the misery percentile (the member "is predicted to dislike" it). */
export function fitOf(predicted: number, settings: Pick<GroupSettings, 'goodPercentile' | 'miseryPercentile'>): MemberFit {
  if (predicted >= settings.goodPercentile) return 'good';
  if (predicted < settings.miseryPercentile) return 'poor';
  return 'ok';
}

const SQUARES: Record<MemberFit | 'neutral', string> = { good: '🟩', ok: '🟨', poor: '🟥', neutral: '⬜' };

/** One square per member in member order: 🟩 good, 🟨 ok, 🟥 poor, ⬜ no ratings yet (neutral). */
export function fitBar(candidate: Pick<GroupCandidate, 'perMember' | 'neutralMembers'>): string {
  const neutral = new Set(candidate.neutralMembers);
  return candidate.perMember.map((p) => SQUARES[neutral.has(p.memberId) ? 'neutral' : p.fit]).join('');
}

/** "🟩 Ana · 🟨 Bo · ⬜ Cy": the bar with names (escaped by `escape`), for a candidate's message. */
export function fitLegend(candidate: Pick<GroupCandidate, 'perMember' | 'neutralMembers'>, members: readonly GroupMember[], escape: (text: string) => string): string {
  const neutral = new Set(candidate.neutralMembers);
  const names = new Map(members.map((m) => [m.id, m.displayName]));
  return candidate.perMember.map((p) => `${SQUARES[neutral.has(p.memberId) ? 'neutral' : p.fit]} ${escape(names.get(p.memberId) ?? p.memberId)}`).join(' · ');
}

/** "Ana", "Ana and Bo", "Ana, Bo and Cy", "Ana, Bo and 2 others". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  if (names.length <= 3) return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
  return `${names.slice(0, 2).join(', ')} and ${names.length - 2} others`;
}

function genreOverlap(a: readonly string[] = [], b: readonly string[] = []): number {
  if (a.length === 0 || b.length === 0) return 0;
  const shared = a.filter((g) => b.includes(g)).length;
  return shared / (a.length + b.length - shared);
}

/** How the group as a whole takes to the title: "fits 4 of 5 of you", "fits all 3 of you", ... */
function fitPhrase(perMember: readonly MemberPrediction[], neutral: ReadonlySet<string>): string {
  const rated = perMember.filter((p) => !neutral.has(p.memberId));
  const n = rated.length;
  if (n === 0) return 'popular with everyone';
  // Members without ratings have no prediction: the counts say they are left out rather than miscount the group.
  const of = rated.length < perMember.length ? ` of the ${n} of you with ratings` : n === 1 ? '' : ` of ${n} of you`;
  const all = rated.length < perMember.length ? `all${of}` : `all ${n} of you`;
  const good = rated.filter((p) => p.fit === 'good').length;
  const poor = rated.filter((p) => p.fit === 'poor').length;
  if (n === 1 && of === '') return good === 1 ? 'fits you well' : poor === 0 ? 'an all-right pick for you' : 'a stretch for you';
  if (good === n) return `fits ${all}`;
  if (good > 0) return `fits ${good}${of}`;
  if (poor === 0) return `an all-right pick for ${all}`;
  return `a stretch for ${poor}${of}`;
}

export interface ReasonInput {
  title: CandidateTitle;
  members: readonly GroupMember[];
  perMember: readonly MemberPrediction[];
  neutralMembers: readonly string[];
  escape: (text: string) => string;
  similarity?: ((a: number, b: number) => number) | undefined;
  settings: Pick<GroupSettings, 'reasonSimilarity'>;
}

/**
 * The one-line reason: how many members it fits, then the loved title it resembles that most fitting members
 * share ("Ana and Bo loved Heat (1995)"), else its genres. Names are escaped with `escape`.
 */
export function buildReason(input: ReasonInput): string {
  const neutral = new Set(input.neutralMembers);
  const fits = new Map(input.perMember.map((p) => [p.memberId, p.fit]));
  const likeness = (loved: LovedTitle) => (input.similarity ? input.similarity(loved.titleId, input.title.titleId) : genreOverlap(loved.genres, input.title.genres));
  const byLoved = new Map<number, { title: LovedTitle; names: string[]; total: number }>();
  for (const member of input.members) {
    if (neutral.has(member.id) || fits.get(member.id) === 'poor') continue;
    let bestTitle: LovedTitle | undefined;
    let bestLikeness = input.settings.reasonSimilarity;
    for (const loved of member.lovedTitles ?? []) {
      const value = loved.titleId === input.title.titleId ? 1 : likeness(loved);
      if (value > bestLikeness) {
        bestLikeness = value;
        bestTitle = loved;
      }
    }
    if (!bestTitle) continue;
    const entry = byLoved.get(bestTitle.titleId) ?? { title: bestTitle, names: [], total: 0 };
    entry.names.push(input.escape(member.displayName));
    entry.total += bestLikeness;
    byLoved.set(bestTitle.titleId, entry);
  }
  const link = [...byLoved.values()].sort((a, b) => b.names.length - a.names.length || b.total - a.total || a.title.titleId - b.title.titleId)[0];
  const phrase = fitPhrase(input.perMember, neutral);
  if (link) return `${phrase}; ${joinNames(link.names)} loved ${input.escape(link.title.name)}`;
  const genres = input.title.genres.filter((g) => !g.startsWith('(')).slice(0, 2);
  return genres.length > 0 ? `${phrase}; ${input.escape(genres.join(', '))}` : phrase;
}
