import { describe, expect, it } from 'vitest';
import { winnerOf } from '../../../src/movienight/tally.ts';

const c = (id: number, votes: number, groupScore: number) => ({ id, position: id - 1, groupScore, votes });

describe('winnerOf', () => {
  it('takes the most votes; a tie goes to the better group fit, then the earlier candidate', () => {
    expect(winnerOf([c(1, 1, 0.9), c(2, 3, 0.1), c(3, 2, 0.5)])).toEqual({ winner: c(2, 3, 0.1), tied: false });
    expect(winnerOf([c(1, 2, 0.4), c(2, 2, 0.8), c(3, 1, 0.99)])).toEqual({ winner: c(2, 2, 0.8), tied: true });
    expect(winnerOf([c(1, 2, 0.5), c(2, 2, 0.5)])!.winner.id).toBe(1);
  });

  it('falls back to the best group fit without votes, and has no winner without candidates', () => {
    expect(winnerOf([c(1, 0, 0.2), c(2, 0, 0.7)])!.winner.id).toBe(2);
    expect(winnerOf([])).toBeUndefined();
  });
});
