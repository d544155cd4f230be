import { describe, expect, it } from 'vitest';
import { checkScore, decideFromReactions, normaliseEmoji, reactionMeaning, SCALE_ORDER } from '../../../src/ratings/scale.ts';

describe('reaction scale', () => {
  it('maps the scale emoji, keycaps with or without U+FE0F, and skin tones', () => {
    expect(reactionMeaning('😍')).toEqual({ kind: 'rating', value: 5 });
    expect(reactionMeaning('👍🏽')).toEqual({ kind: 'rating', value: 4 });
    expect(reactionMeaning('👎')).toEqual({ kind: 'rating', value: 1 });
    expect(reactionMeaning('3\ufe0f\u20e3')).toEqual({ kind: 'rating', value: 3 });
    expect(reactionMeaning('3\u20e3')).toEqual({ kind: 'rating', value: 3 });
    expect(reactionMeaning('🙈')).toEqual({ kind: 'hide' });
    expect(normaliseEmoji('5\ufe0f\u20e3')).toBe('5\u20e3');
  });

  it('ignores other emoji and custom emoji even when named like scale ones', () => {
    expect(reactionMeaning('🍕')).toBeUndefined();
    expect(reactionMeaning('6\ufe0f\u20e3')).toBeUndefined();
    expect(reactionMeaning({ name: '👍', id: '123456789012345678' })).toBeUndefined();
    expect(reactionMeaning({ name: null })).toBeUndefined();
  });

  it('the newest held rating reaction decides; 🙈 hides independently', () => {
    const at = (ms: number) => new Date(1_700_000_000_000 + ms);
    expect(decideFromReactions([])).toEqual({ rating: undefined, hidden: false });
    expect(
      decideFromReactions([
        { emoji: '👍', createdAt: at(1) },
        { emoji: '😍', createdAt: at(2) },
      ]),
    ).toEqual({ rating: 5, hidden: false });
    expect(
      decideFromReactions([
        { emoji: '😍', createdAt: at(1) },
        { emoji: '👎', createdAt: at(2) },
        { emoji: '🙈', createdAt: at(3) },
      ]),
    ).toEqual({ rating: 1, hidden: true });
    expect(
      decideFromReactions([
        { emoji: '🍕', createdAt: at(5) },
        { emoji: '😐', createdAt: at(1) },
      ]),
    ).toEqual({ rating: 3, hidden: false });
  });

  it('accepts scores 1 to 5 in halves and says what is allowed otherwise', () => {
    expect(checkScore(3.5)).toBe(3.5);
    expect(checkScore(1)).toBe(1);
    expect(() => checkScore(0.5)).toThrow('between 1 and 5');
    expect(() => checkScore(5.5)).toThrow('between 1 and 5');
    expect(() => checkScore(Number.NaN)).toThrow('between 1 and 5');
    expect(() => checkScore(3.7)).toThrow('whole or half');
  });

  it('orders the scale from hiding to the highest rating, a face before the keycap of the same value', () => {
    expect(SCALE_ORDER).toEqual(['🙈', '👎', '1\u20e3', '2\u20e3', '😐', '3\u20e3', '👍', '4\u20e3', '😍', '5\u20e3']);
  });
});
