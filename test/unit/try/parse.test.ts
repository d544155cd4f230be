import { describe, expect, it } from 'vitest';
import { bindCommand, parseLine, PlaygroundInputError, resolveEmoji, splitSpeaker, type CommandShape } from '../../../src/try/parse.ts';

const STRING = 3;
const INTEGER = 4;
const rate: CommandShape = {
  name: 'rate',
  options: [
    { name: 'title', type: STRING, required: true, autocomplete: true },
    { name: 'score', type: 10, required: true },
  ],
};
const search: CommandShape = {
  name: 'search',
  options: [
    { name: 'query', type: STRING, required: true, autocomplete: true },
    { name: 'kind', type: STRING },
  ],
};
const recommend: CommandShape = {
  name: 'recommend',
  options: [
    { name: 'count', type: INTEGER },
    { name: 'genre', type: STRING, autocomplete: true },
  ],
};
const admin: CommandShape = {
  name: 'admin',
  options: [
    { name: 'retrain', type: 1 },
    { name: 'reindex', type: 1 },
    { name: 'status', type: 1 },
  ],
};
const profile: CommandShape = { name: 'profile', options: [] };

describe('parseLine', () => {
  it('reads slash commands, keeping the rest for binding', () => {
    expect(parseLine('/recommend count:3')).toEqual({ kind: 'command', name: 'recommend', rest: 'count:3' });
    expect(parseLine('  /Profile  ')).toEqual({ kind: 'command', name: 'profile', rest: '' });
  });

  it('reads reactions in the long and the short forms, and removals', () => {
    expect(parseLine('react 2 😍')).toEqual({ kind: 'react', message: 2, emoji: '😍', remove: false });
    expect(parseLine('+2 👍')).toEqual({ kind: 'react', message: 2, emoji: '👍', remove: false });
    expect(parseLine('-12 👍')).toEqual({ kind: 'react', message: 12, emoji: '👍', remove: true });
    expect(parseLine('unreact #3 😐')).toEqual({ kind: 'react', message: 3, emoji: '😐', remove: true });
    expect(parseLine('+1 love')).toEqual({ kind: 'react', message: 1, emoji: '😍', remove: false });
  });

  it('treats comments and blank lines as nothing, and knows quit, help and wait', () => {
    expect(parseLine('# a comment')).toEqual({ kind: 'empty' });
    expect(parseLine('   ')).toEqual({ kind: 'empty' });
    expect(parseLine('quit')).toEqual({ kind: 'quit' });
    expect(parseLine('EXIT')).toEqual({ kind: 'quit' });
    expect(parseLine('help')).toEqual({ kind: 'help' });
    expect(parseLine('wait 2')).toEqual({ kind: 'wait', seconds: 2 });
  });

  it('explains a line it does not understand', () => {
    expect(() => parseLine('recommend me something')).toThrow(PlaygroundInputError);
    expect(() => parseLine('recommend me something')).toThrow(/slash command such as \/recommend/);
    expect(() => parseLine('react two 😍')).toThrow(/Did not understand/);
  });

  it('maps words and digits to the scale emoji, leaving real emoji alone', () => {
    expect(resolveEmoji('like')).toBe('👍');
    expect(resolveEmoji('4')).toBe('4️⃣');
    expect(resolveEmoji('🎉')).toBe('🎉');
  });
});

describe('bindCommand', () => {
  it('splits name:value pairs on the command’s own option names, so values keep spaces and colons', () => {
    expect(bindCommand(rate, 'title:Star Wars: Episode IV - A New Hope score:4.5').options).toEqual([
      { name: 'title', value: 'Star Wars: Episode IV - A New Hope' },
      { name: 'score', value: '4.5' },
    ]);
  });

  it('gives bare text to the first option not named', () => {
    expect(bindCommand(search, 'the godfather').options).toEqual([{ name: 'query', value: 'the godfather' }]);
    expect(bindCommand(search, 'alien kind:movie').options).toEqual([
      { name: 'query', value: 'alien' },
      { name: 'kind', value: 'movie' },
    ]);
    expect(bindCommand(recommend, '').options).toEqual([]);
  });

  it('takes the first word as the subcommand when the command has subcommands', () => {
    expect(bindCommand(admin, 'retrain')).toMatchObject({ name: 'admin', subcommand: 'retrain', options: [] });
    expect(() => bindCommand(admin, '')).toThrow(/needs a subcommand: retrain, reindex, status/);
    expect(() => bindCommand(admin, 'reboot')).toThrow(/no subcommand "reboot"/);
  });

  it('refuses text for a command without options, repeated options and empty values', () => {
    expect(() => bindCommand(profile, 'please')).toThrow(/takes no options/);
    expect(() => bindCommand(recommend, 'count:3 count:4')).toThrow(/count is given twice/);
    expect(() => bindCommand(rate, 'title: score:4')).toThrow(/title has no value/);
  });
});

describe('splitSpeaker and movie night words', () => {
  it('reads "as NAME:" as another local member typing the rest', () => {
    expect(splitSpeaker('as Bob: react 3 🍿')).toEqual({ speaker: 'bob', line: 'react 3 🍿' });
    expect(splitSpeaker('/movienight start')).toEqual({ speaker: undefined, line: '/movienight start' });
    expect(parseLine(splitSpeaker('as cy: +2 popcorn').line)).toEqual({ kind: 'react', message: 2, emoji: '🍿', remove: false });
    expect(parseLine('react 4 8')).toEqual({ kind: 'react', message: 4, emoji: '8\uFE0F\u20E3', remove: false });
  });
});
