/** One candidate as the count sees it. */
export interface CountedCandidate {
  id: number;
  position: number;
  groupScore: number;
  votes: number;
}

/**
 * The winner of an approval vote: most votes; a tie goes to the better group fit (the ranking's score), then
 * to the earlier position. With no votes at all the best group fit wins. Undefined only without candidates.
 */
export function winnerOf<C extends CountedCandidate>(candidates: readonly C[]): { winner: C; tied: boolean } | undefined {
  const ranked = [...candidates].sort((a, b) => b.votes - a.votes || b.groupScore - a.groupScore || a.position - b.position);
  const winner = ranked[0];
  if (!winner) return undefined;
  return { winner, tied: ranked.length > 1 && ranked[1]!.votes === winner.votes };
}
