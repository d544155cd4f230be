import { SUGGESTION_REACTIONS } from '../ratings/scale.ts';

/** One line typed into the playground (or read from a script). */
export type PlaygroundLine =
  | { kind: 'empty' }
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'wait'; seconds: number }
  /** `/name rest…`; `rest` is split against the registered definition by {@link bindCommand}. */
  | { kind: 'command'; name: string; rest: string }
  /** `react 2 😍`, `+2 👍`, `-2 👍`, `unreact 2 👍`: message number as shown beside each message. */
  | { kind: 'react'; message: number; emoji: string; remove: boolean };

/** A line the playground cannot understand; the message says what was expected. */
export class PlaygroundInputError extends Error {
  override name = 'PlaygroundInputError';
}

/** Words accepted in place of the scale emoji, for terminals that make emoji awkward to type. */
const EMOJI_WORDS: Record<string, string> = {
  love: '😍',
  like: '👍',
  up: '👍',
  meh: '😐',
  ok: '😐',
  dislike: '👎',
  down: '👎',
  hide: '🙈',
  popcorn: '🍿',
  ...Object.fromEntries(['1', '2', '3', '4', '5', '6', '7', '8'].map((d) => [d, `${d}\uFE0F\u20E3`])),
};

/** An emoji as typed, or one of the words above, turned into what Discord would send. */
export function resolveEmoji(text: string): string {
  const trimmed = text.trim();
  return EMOJI_WORDS[trimmed.toLowerCase()] ?? trimmed;
}

/** Playground help: the commands and the reaction shorthands. */
export const PLAYGROUND_HELP = [
  'Type slash commands as in Discord, options as name:value (the first option may be given bare):',
  '  /recommend count:3   /search godfather   /rate title:heat score:4   /similar title:alien',
  '  /profile   /onboard   /admin retrain|reindex|status   /help',
  'Options with autocomplete show the choices and take the first one, as if you picked it.',
  `React to message N:  react N 😍   +N 👍   -N 👍 (remove)   words work too: ${Object.keys(EMOJI_WORDS).slice(0, 6).join(', ')} (scale: ${SUGGESTION_REACTIONS.join(' ')})`,
  'Act as another local member: as bob: react 3 🍿   as cy: /movienight pick   (members: you, bob, cy)',
  '  wait 5   (script pause, seconds)   quit or Ctrl-D to leave',
].join('\n');

/** `as bob: react 3 🍿` → the member's name and the line they type; no prefix → the member at the keyboard. */
export function splitSpeaker(input: string): { speaker: string | undefined; line: string } {
  const match = /^\s*as\s+([\w.-]{1,32})\s*:\s*(.*)$/isu.exec(input);
  return match ? { speaker: match[1]!.toLowerCase(), line: match[2]! } : { speaker: undefined, line: input };
}

/** Parses one line; throws {@link PlaygroundInputError} when it is none of the forms above. */
export function parseLine(input: string): PlaygroundLine {
  const line = input.trim();
  if (line === '' || line.startsWith('#')) return { kind: 'empty' };
  if (/^(quit|exit|:q)$/i.test(line)) return { kind: 'quit' };
  if (/^(help|\?)$/i.test(line)) return { kind: 'help' };
  const wait = /^wait\s+(\d+(?:\.\d+)?)\s*s?$/i.exec(line);
  if (wait) return { kind: 'wait', seconds: Number(wait[1]) };
  if (line.startsWith('/')) {
    const match = /^\/([\w-]+)\s*(.*)$/su.exec(line);
    if (!match) throw new PlaygroundInputError(`"${line}" is not a command; commands look like /recommend count:3.`);
    return { kind: 'command', name: match[1]!.toLowerCase(), rest: match[2]!.trim() };
  }
  const short = /^([+-])\s*(\d+)\s+(\S.*)$/u.exec(line);
  if (short) return { kind: 'react', message: Number(short[2]), emoji: resolveEmoji(short[3]!), remove: short[1] === '-' };
  const word = /^(react|unreact)\s+#?(\d+)\s+(\S.*)$/iu.exec(line);
  if (word) return { kind: 'react', message: Number(word[2]), emoji: resolveEmoji(word[3]!), remove: word[1]!.toLowerCase() === 'unreact' };
  throw new PlaygroundInputError(`Did not understand "${line}". Type a slash command such as /recommend count:3, "react 2 😍", or "help".`);
}

/** The parts of a registered command's option that binding needs (a subset of Discord's JSON). */
export interface OptionShape {
  name: string;
  /** 1 subcommand, 2 subcommand group, 3 string, 4 integer, 5 boolean, 6 user, 10 number… */
  type: number;
  required?: boolean;
  autocomplete?: boolean;
  options?: OptionShape[];
}

export interface CommandShape {
  name: string;
  options?: OptionShape[];
}

/** A command line matched against its definition: subcommand (if any) and raw option values by name. */
export interface BoundCommand {
  name: string;
  subcommand?: string;
  options: { name: string; value: string }[];
  /** Definitions of the leaf options (to know which autocomplete). */
  leaf: OptionShape[];
}

const SUBCOMMAND = 1;
const SUBCOMMAND_GROUP = 2;

/**
 * Splits `rest` into `name:value` pairs using the command's own option names, so values may contain
 * spaces and colons ("title:Star Wars: Episode IV score:5"). Text before the first `name:` goes to
 * the first option not given by name (`/search godfather`).
 */
export function bindCommand(definition: CommandShape, rest: string): BoundCommand {
  let leaf = definition.options ?? [];
  let text = rest;
  const path: string[] = [];
  while (leaf.some((o) => o.type === SUBCOMMAND || o.type === SUBCOMMAND_GROUP)) {
    const [word = '', ...others] = text.split(/\s+/);
    const sub = leaf.find((o) => (o.type === SUBCOMMAND || o.type === SUBCOMMAND_GROUP) && o.name === word.toLowerCase());
    if (!sub) {
      const names = leaf.map((o) => o.name).join(', ');
      throw new PlaygroundInputError(word ? `/${definition.name} has no subcommand "${word}"; try one of: ${names}.` : `/${definition.name} needs a subcommand: ${names}.`);
    }
    path.push(sub.name);
    leaf = sub.options ?? [];
    text = others.join(' ');
  }
  const names = leaf.map((o) => o.name);
  const options: { name: string; value: string }[] = [];
  if (text.trim() !== '') {
    const keys = names.length > 0 ? new RegExp(`(?:^|\\s)(${names.map(escapeRegExp).join('|')}):`, 'gi') : undefined;
    const found = keys ? [...text.matchAll(keys)] : [];
    const bare = (found.length > 0 ? text.slice(0, found[0]!.index) : text).trim();
    found.forEach((m, i) => {
      const start = m.index + m[0].length;
      const end = i + 1 < found.length ? found[i + 1]!.index : text.length;
      options.push({ name: m[1]!.toLowerCase(), value: text.slice(start, end).trim() });
    });
    if (bare !== '') {
      const target = leaf.find((o) => !options.some((g) => g.name === o.name));
      if (!target) {
        throw new PlaygroundInputError(
          names.length === 0
            ? `/${[definition.name, ...path].join(' ')} takes no options; got "${bare}".`
            : `Did not know which option "${bare}" is for; write it as name:value (options: ${names.join(', ')}).`,
        );
      }
      options.unshift({ name: target.name, value: bare });
    }
  }
  const duplicate = options.find((o, i) => options.findIndex((p) => p.name === o.name) !== i);
  if (duplicate) throw new PlaygroundInputError(`Option ${duplicate.name} is given twice.`);
  const empty = options.find((o) => o.value === '');
  if (empty) throw new PlaygroundInputError(`Option ${empty.name} has no value; write ${empty.name}:something.`);
  return { name: definition.name, ...(path.length > 0 ? { subcommand: path.join(' ') } : {}), options, leaf };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
