import { describe, expect, it } from 'vitest';
import { displayWidth, markdown, reactionLine, renderChoices, renderMessage, rowsOf, type MessageView } from '../../../src/try/render.ts';
import { progressBarLine as describeProgress, retrainResultLine as describeRetrainResult } from '../../../src/queue/job-progress.ts';

const BOT = '1';
const ME = '2';
const names = new Map([
  [BOT, 'tastebud'],
  [ME, 'you'],
]);
const suggestion: MessageView = {
  id: '10',
  authorId: BOT,
  content: '',
  embeds: [{ title: '1. Heat (1995)', description: 'Action, Crime\n*Because you liked Ronin*', footer: { text: '1/3 · 😍 5 · 👍 4' } }],
  reactions: [
    { emoji: '😍', userIds: [BOT] },
    { emoji: '👍', userIds: [BOT, ME] },
    { emoji: '😐', userIds: [] },
  ],
  ephemeral: false,
  editedAt: null,
};

describe('renderMessage', () => {
  it('shows number, author, the embed block and reaction counts with the viewer’s own marked', () => {
    const lines = renderMessage(suggestion, 4, { colour: false, viewerId: ME, names });
    expect(lines).toEqual(['[4] tastebud', '    ┃ 1. Heat (1995)', '    ┃ Action, Crime', '    ┃ Because you liked Ronin', '    ┃ 1/3 · 😍 5 · 👍 4', '    😍 1 · 👍 2 (you)']);
  });

  it('marks ephemeral and updated messages, renders fields and a pending deferred reply', () => {
    const lines = renderMessage(
      { id: '11', authorId: BOT, content: '**Queued** the job', embeds: [{ fields: [{ name: 'Genres', value: 'Drama' }] }], reactions: [], ephemeral: true, editedAt: new Date() },
      7,
      { colour: false, viewerId: ME, names, updated: true },
    );
    expect(lines).toEqual(['[7] tastebud (only you can see this, updated)', '    Queued the job', '    ┃ Genres: Drama']);
    const loading = renderMessage({ ...suggestion, embeds: [], reactions: [], loading: true }, 8, { colour: false, viewerId: ME, names });
    expect(loading).toEqual(['[8] tastebud', '    tastebud is thinking…']);
  });

  it('gives a poster or cover its own line (a terminal cannot show it), before the footer', () => {
    const pictured = { ...suggestion, embeds: [{ ...suggestion.embeds[0]!, thumbnail: { url: 'https://image.tmdb.org/t/p/w500/heat.jpg' } }] };
    const lines = renderMessage(pictured, 4, { colour: false, viewerId: ME, names });
    expect(lines.slice(4, 6)).toEqual(['    ┃ image: https://image.tmdb.org/t/p/w500/heat.jpg', '    ┃ 1/3 · 😍 5 · 👍 4']);
    expect(renderMessage(suggestion, 4, { colour: false, viewerId: ME, names }).some((l) => l.includes('image:'))).toBe(false);
  });

  it('uses ANSI styles only when asked', () => {
    expect(markdown('**bold** and *it*', false)).toBe('bold and it');
    expect(markdown('**bold**', true)).toBe('\x1b[1mbold\x1b[0m');
    expect(markdown('2 * 3 * 4', false)).toBe('2 * 3 * 4');
  });
});

describe('helpers', () => {
  it('lists only reactions someone holds', () => {
    expect(reactionLine(suggestion.reactions, '9')).toBe('😍 1 · 👍 2');
  });

  it('shows autocomplete choices with the picked one first', () => {
    expect(renderChoices('query', 'godf', [{ name: 'Godfather, The (1972)' }, { name: 'Godfather: Part II, The (1974)' }], false)).toEqual([
      '    query: "godf" — 2 choices, first one picked:',
      '    › Godfather, The (1972)',
      '      Godfather: Part II, The (1974)',
    ]);
    expect(renderChoices('title', 'zzz', [], false)[0]).toMatch(/no choices/);
  });

  it('counts emoji as two columns, ANSI codes as none, and wraps rows', () => {
    expect(displayWidth('ab')).toBe(2);
    expect(displayWidth('😍 1')).toBe(4);
    expect(displayWidth('\x1b[1mab\x1b[0m')).toBe(2);
    expect(displayWidth('4️⃣')).toBe(1);
    expect(rowsOf(['x'.repeat(85), ''], 80)).toBe(3);
  });

  it('describes retrain progress and results', () => {
    // Two fits share the bar: the gate fit spans 5-45 %, the refit on every rating 50-88 %.
    expect(describeProgress({ phase: 'train', percent: 5, epoch: 4, loss: 123.456 }, 8)).toBe('[#####...............]  25% training, epoch 4/8, loss 123.5');
    expect(describeProgress({ phase: 'refit', percent: 50, epoch: 4, loss: 123.456 }, 8)).toBe('[##############......]  69% training on every rating, epoch 4/8, loss 123.5');
    expect(describeProgress(50)).toBe('[##########..........]  50%');
    expect(describeProgress(0)).toBe('starting');
    expect(describeProgress({ note: 'no phase' })).toBe('waiting for a worker');
    expect(describeRetrainResult({ status: 'promoted', versionId: 3, validationNdcg: 0.3123, activeVersionId: 2, activeValidationNdcg: 0.3, reason: 'better', phaseMs: {}, durationMs: 12_300 })).toBe(
      'done in 12.3 s: version 3 is now active (validation nDCG@10 0.312 vs 0.300 for version 2). Suggestions use it from now on.',
    );
    expect(describeRetrainResult({ status: 'skipped', reason: 'another retrain is already running' })).toBe('skipped: another retrain is already running.');
  });
});
