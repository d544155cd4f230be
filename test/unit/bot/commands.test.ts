import { describe, expect, it } from 'vitest';
import { commandDefinitions } from '../../../src/bot/commands/index.ts';
import { checkCount } from '../../../src/bot/commands/recommend.ts';
import { UnknownTitleError } from '../../../src/bot/errors.ts';
import { statusEmbed, statusHeadline } from '../../../src/bot/status-embed.ts';
import { quoteUserText, suggestionEmbed, titleChoices } from '../../../src/bot/messages.ts';
import { MemberRateLimiter } from '../../../src/lib/member-rate-limiter.ts';
import { resolveTitle } from '../../../src/bot/titles.ts';
import type { TitleSearch, TitleSummary } from '../../../src/bot/ports.ts';

const heat: TitleSummary = { id: 7, name: 'Heat', year: 1995, genres: ['Action', 'Crime'], kind: 'movie', ratingCount: 10, ratingMean: 4.1 };
const heatwave: TitleSummary = { ...heat, id: 8, name: 'Heatwave', year: 2022 };
const search: TitleSearch = {
  search: async (q) => [heat, heatwave].filter((t) => t.name.toLowerCase().includes(q.toLowerCase().slice(0, 3))),
  get: async (id) => [heat, heatwave].find((t) => t.id === id),
};

describe('command definitions', () => {
  it('defines the product’s commands; /admin needs Manage Server; counts are 1-10', () => {
    const defs = commandDefinitions();
    expect(defs.map((d) => d.name).sort()).toEqual(['admin', 'forget-me', 'help', 'movienight', 'onboard', 'privacy', 'profile', 'rate', 'recommend', 'search', 'similar']);
    const admin = defs.find((d) => d.name === 'admin')!;
    expect(admin.default_member_permissions).toBe('32');
    const count = defs.find((d) => d.name === 'recommend')!.options!.find((o) => o.name === 'count') as { min_value?: number; max_value?: number };
    expect([count.min_value, count.max_value]).toEqual([1, 10]);
  });

  it('checkCount defaults to 5 and names the range for 0 and 99', () => {
    expect(checkCount(null)).toBe(5);
    expect(checkCount(10)).toBe(10);
    expect(() => checkCount(0)).toThrow('from 1 to 10; got 0');
    expect(() => checkCount(99)).toThrow('from 1 to 10; got 99');
  });
});

describe('resolving a title option', () => {
  it('takes the autocomplete id, or an exact name / "name (year)"', async () => {
    expect((await resolveTitle(search, '7')).name).toBe('Heat');
    expect((await resolveTitle(search, ' heat ')).id).toBe(7);
    expect((await resolveTitle(search, 'Heatwave (2022)')).id).toBe(8);
  });

  it('lists the closest matches for an unknown title and refuses empty or very long text', async () => {
    const error = await resolveTitle(search, 'heta').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownTitleError);
    await expect(resolveTitle(search, 'heatt')).rejects.toThrow('Closest matches: Heat (1995); Heatwave (2022)');
    await expect(resolveTitle(search, '  ')).rejects.toThrow('The title is empty');
    await expect(resolveTitle(search, 'a'.repeat(1000))).rejects.toThrow('1000 characters long');
  });
});

describe('messages', () => {
  it('autocomplete choices are at most 25, named within 100 characters, valued by id', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ ...heat, id: i, name: 'x'.repeat(150) }));
    const choices = titleChoices(many);
    expect(choices).toHaveLength(25);
    expect(choices.every((c) => c.name.length <= 100)).toBe(true);
    expect(choices[3]!.value).toBe('3');
  });

  it('a suggestion embed shows title, year, genres and the reason', () => {
    const embed = suggestionEmbed({ ...heat, reason: 'because you liked Ronin (1998)' }, 2, 5);
    expect(embed.title).toBe('2. Heat (1995)');
    expect(embed.description).toBe('Action, Crime\n*because you liked Ronin (1998)*');
    expect(embed.footer?.text).toMatch(/^2\/5 · 😍 5/);
  });

  it('/admin status reads well without a model', () => {
    const status = { activeModel: null, queues: [{ name: 'retrain', counts: { waiting: 1 } }], recentJobs: [], outboxPending: 0 };
    expect(statusHeadline(status)).toMatch(/none yet/);
    const fields = statusEmbed(status).fields!;
    expect(fields.find((f) => f.name === 'Active model')?.value).toMatch(/None yet/);
    expect(fields.find((f) => f.name === 'Queues')?.value).toMatch(/\*\*retrain\*\*: 1 waiting/);
  });
});

describe('command rate limit', () => {
  it('allows `limit` commands per window per user and says how long to wait', () => {
    let now = 0;
    const limiter = new MemberRateLimiter(2, 10_000, () => now);
    expect(limiter.take('a')).toBe(0);
    now = 1000;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('b')).toBe(0);
    now = 4000;
    expect(limiter.take('a')).toBe(6000);
    now = 10_001;
    expect(limiter.take('a')).toBe(0);
    expect(() => new MemberRateLimiter(0, 1000)).toThrow(RangeError);
  });
});

describe('quoteUserText', () => {
  it('escapes Markdown and breaks mention syntax so echoed text neither formats nor pings', () => {
    const echoed = quoteUserText('**bold** `code` <@123456789012345678> @everyone <#1> x', 200);
    expect(echoed).not.toMatch(/(^|[^\\])\*\*/);
    expect(echoed).not.toMatch(/(^|[^\\])`/);
    expect(echoed).not.toContain('<@1');
    expect(echoed).not.toContain('<#1');
    expect(echoed).not.toMatch(/@everyone/);
  });

  it('cuts long text and flattens control characters', () => {
    const echoed = quoteUserText(`a\u0000b\nc${'x'.repeat(500)}`, 20);
    expect(echoed.length).toBeLessThanOrEqual(20);
    // eslint-disable-next-line no-control-regex -- control characters are what the reply must not hold
    expect(echoed).not.toMatch(/[\u0000-\u001f]/);
  });
});
