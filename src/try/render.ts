import { stripVTControlCharacters } from 'node:util';

/** What the renderer needs of a message (a subset of the emulator's EmulatedMessage). */
export interface MessageView {
  id: string;
  authorId: string;
  content: string;
  embeds: readonly EmbedView[];
  reactions: readonly { emoji: string; userIds: readonly string[] }[];
  ephemeral: boolean;
  editedAt: Date | null;
  /** A deferred reply the bot has not filled yet ("… is thinking"). */
  loading?: boolean;
}

export interface EmbedView {
  title?: string;
  description?: string;
  fields?: readonly { name: string; value: string; inline?: boolean }[];
  footer?: { text: string };
  /** Poster or cover: a terminal cannot show it, so its URL gets a line of its own. */
  thumbnail?: { url: string };
  image?: { url: string };
}

export interface RenderOptions {
  /** ANSI colours and bold (a terminal); plain text otherwise (scripts, logs). */
  colour: boolean;
  /** The person at the keyboard: their reactions are marked. */
  viewerId: string;
  /** Display names by user id. */
  names: ReadonlyMap<string, string>;
  /** Mark the header as a new version of a message shown before (transcripts, where it cannot be redrawn). */
  updated?: boolean;
}

const ansi = (code: string, colour: boolean) => (text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);

/** Discord markdown to terminal text: **bold** and *italic* become styles (or plain text), the rest stays. */
export function markdown(text: string, colour: boolean): string {
  const bold = ansi('1', colour);
  const italic = ansi('3', colour);
  return text
    .replace(/\*\*(.+?)\*\*/gs, (_, inner: string) => bold(inner))
    .replace(/(^|[^*\w])\*(?!\s)(.+?)\*(?!\w)/gs, (_, before: string, inner: string) => `${before}${italic(inner)}`)
    .replace(/__(.+?)__/gs, (_, inner: string) => inner);
}

/** Reactions as "😍 1 · 👍 2 (you)": every emoji with its count, the viewer's own marked. */
export function reactionLine(reactions: MessageView['reactions'], viewerId: string): string {
  return reactions
    .filter((r) => r.userIds.length > 0)
    .map((r) => `${r.emoji} ${r.userIds.length}${r.userIds.includes(viewerId) ? ' (you)' : ''}`)
    .join(' · ');
}

/**
 * A message as terminal lines: `[n] author` with markers (only you / edited), the content, each embed
 * as a bar-indented block (title, description, fields, image URL, footer) and the reactions with counts.
 */
export function renderMessage(message: MessageView, number: number, options: RenderOptions): string[] {
  const { colour } = options;
  const dim = ansi('2', colour);
  const bold = ansi('1', colour);
  const cyan = ansi('36', colour);
  const yellow = ansi('33', colour);
  const author = options.names.get(message.authorId) ?? message.authorId;
  const marks = [message.ephemeral ? 'only you can see this' : '', options.updated ? 'updated' : ''].filter(Boolean);
  const lines = [`${cyan(`[${number}]`)} ${bold(author)}${marks.length ? dim(` (${marks.join(', ')})`) : ''}`];
  const indent = '    ';
  if (message.loading && message.content === '' && message.embeds.length === 0) lines.push(indent + dim(`${author} is thinking…`));
  for (const line of message.content.split('\n')) if (message.content !== '') lines.push(indent + markdown(line, colour));
  for (const embed of message.embeds) {
    const bar = yellow('┃ ');
    const block: string[] = [];
    if (embed.title) block.push(bold(markdown(embed.title, colour)));
    if (embed.description) block.push(...embed.description.split('\n').map((l) => markdown(l, colour)));
    for (const field of embed.fields ?? []) {
      const value = field.value.split('\n').map((l) => markdown(l, colour));
      if (value.length === 1) block.push(`${bold(field.name)}: ${value[0]}`);
      else block.push(bold(field.name), ...value.map((l) => `  ${l}`));
    }
    for (const picture of [embed.thumbnail, embed.image]) if (picture?.url) block.push(dim(`image: ${picture.url}`));
    if (embed.footer?.text) block.push(dim(embed.footer.text));
    lines.push(...block.map((l) => indent + bar + l));
  }
  const reactions = reactionLine(message.reactions, options.viewerId);
  if (reactions) lines.push(indent + reactions);
  return lines;
}

/** Autocomplete choices as the Discord client lists them above the input box. */
export function renderChoices(option: string, typed: string, choices: readonly { name: string }[], colour: boolean): string[] {
  const dim = ansi('2', colour);
  if (choices.length === 0) return [dim(`    ${option}: "${typed}" — no choices offered`)];
  return [
    dim(`    ${option}: "${typed}" — ${choices.length} choice${choices.length === 1 ? '' : 's'}, first one picked:`),
    ...choices.slice(0, 10).map((c, i) => `    ${i === 0 ? '›' : ' '} ${c.name}`),
    ...(choices.length > 10 ? [dim(`      … and ${choices.length - 10} more`)] : []),
  ];
}

/** Columns a string takes on a terminal: ANSI codes take none, emoji and wide CJK two, combining marks none. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of stripVTControlCharacters(text)) {
    const code = char.codePointAt(0)!;
    if (/\p{Mark}|\p{Default_Ignorable_Code_Point}/u.test(char) || code === 0x200d) continue;
    width += /\p{Extended_Pictographic}/u.test(char) && code > 0xff ? 2 : isWide(code) ? 2 : 1;
  }
  return width;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6)
  );
}

/** Terminal rows `lines` occupy at `columns` wide (long lines wrap). */
export function rowsOf(lines: readonly string[], columns: number): number {
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(displayWidth(line) / Math.max(columns, 1))), 0);
}
