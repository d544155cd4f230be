import { MessageFlags } from 'discord.js';
import type { DiscordEmulator, EmulatedMessage, InteractionHandle } from '../emulator/index.ts';
import { bindCommand, parseLine, PLAYGROUND_HELP, PlaygroundInputError, splitSpeaker, type CommandShape } from './parse.ts';
import { renderChoices, renderMessage, type MessageView } from './render.ts';

/** Where the playground's output goes: a transcript (append only) or a terminal that can redraw. */
export interface Screen {
  /** Appends lines; `key` names the block so it can be replaced later. */
  print(lines: readonly string[], key?: string): void;
  /** Shows a new version of block `key`: in place where the screen can, else appended. */
  replace(key: string, lines: readonly string[]): void;
}

export interface PlaygroundOptions {
  emulator: DiscordEmulator;
  /** The member at the keyboard. */
  userId: string;
  screen: Screen;
  colour: boolean;
  /** Display names by user id (the bot and the member). */
  names: ReadonlyMap<string, string>;
  /**
   * Whether background work started by the last command is still running (a watched retrain, queued
   * jobs); {@link Playground.settle} waits for it when `waitForBackground` is set.
   */
  busy?: () => Promise<boolean>;
  /** A message is shown once it has not changed for this long (default 300 ms), so a burst of edits shows once. */
  stableMs?: number;
  /** Nothing changed for this long counts as settled (default 500 ms). */
  quietMs?: number;
  /** Give up waiting for a command to settle after this long (default 10 minutes). */
  settleTimeoutMs?: number;
  /** Mark new versions of messages as "updated" (a transcript; a terminal redraws them in place instead). */
  markUpdates?: boolean;
}

interface Tracked {
  number: number;
  signature: string;
  changedAt: number;
  shown: string | undefined;
  view: MessageView;
}

/** What running one line led to. */
export type LineOutcome = 'ok' | 'quit' | 'error';

/**
 * The chat logic of `tastebud try`: turns typed lines into emulator actions (slash commands with
 * autocomplete, reactions by message number) and renders the channel's messages as they settle,
 * numbering each message once, in the order it appeared.
 */
export class Playground {
  readonly #o: PlaygroundOptions;
  readonly #messages = new Map<string, Tracked>();
  #next = 1;
  #timer: NodeJS.Timeout | undefined;
  #lastChangeAt = Date.now();
  #stopped = false;

  constructor(options: PlaygroundOptions) {
    this.#o = options;
  }

  /** Starts rendering changes in the background (every 100 ms) until {@link stop}. */
  start(): void {
    this.#timer ??= setInterval(() => this.refresh(), 100);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.refresh(true);
  }

  /** The number shown beside a message, if it has been seen. */
  numberOf(messageId: string): number | undefined {
    return this.#messages.get(messageId)?.number;
  }

  /** Message id by the number shown beside it. */
  messageIdOf(number: number): string | undefined {
    for (const [id, tracked] of this.#messages) if (tracked.number === number) return id;
    return undefined;
  }

  /**
   * Prints new messages and new versions of changed ones. A message is shown once it has been stable
   * for `stableMs` (or at once with `force`), so the bot adding five reactions shows as one update.
   */
  refresh(force = false): void {
    const now = Date.now();
    const stableMs = this.#o.stableMs ?? 300;
    for (const message of this.#o.emulator.messages(this.#o.emulator.channelId)) {
      const view = toView(message);
      const signature = JSON.stringify([view.content, view.embeds, view.reactions, view.loading, view.editedAt]);
      let tracked = this.#messages.get(message.id);
      if (!tracked) {
        tracked = { number: this.#next++, signature, changedAt: now, shown: undefined, view };
        this.#messages.set(message.id, tracked);
        this.#lastChangeAt = now;
      } else if (tracked.signature !== signature) {
        Object.assign(tracked, { signature, changedAt: now, view });
        this.#lastChangeAt = now;
      }
      if (tracked.shown === tracked.signature || (!force && now - tracked.changedAt < stableMs)) continue;
      const updated = tracked.shown !== undefined && this.#o.markUpdates === true;
      const lines = renderMessage(tracked.view, tracked.number, { colour: this.#o.colour, viewerId: this.#o.userId, names: this.#o.names, updated });
      if (tracked.shown === undefined) this.#o.screen.print(lines, message.id);
      else this.#o.screen.replace(message.id, lines);
      tracked.shown = tracked.signature;
    }
  }

  /**
   * Waits until the channel has been quiet for `quietMs` and, with `waitForBackground`, until
   * {@link PlaygroundOptions.busy} says the background work is done; then shows everything pending.
   */
  async settle({ waitForBackground = true }: { waitForBackground?: boolean } = {}): Promise<void> {
    const quietMs = this.#o.quietMs ?? 500;
    const deadline = Date.now() + (this.#o.settleTimeoutMs ?? 600_000);
    while (Date.now() < deadline) {
      await sleep(100);
      this.refresh();
      if (Date.now() - this.#lastChangeAt < quietMs) continue;
      if (waitForBackground && this.#o.busy && (await this.#o.busy())) {
        this.#lastChangeAt = Math.max(this.#lastChangeAt, Date.now() - quietMs);
        continue;
      }
      break;
    }
    this.refresh(true);
  }

  /** Runs one typed line. Problems with the line are printed (as Discord's client would refuse), not thrown. */
  async run(text: string, { waitForBackground = true }: { waitForBackground?: boolean } = {}): Promise<LineOutcome> {
    const { screen } = this.#o;
    try {
      const spoken = splitSpeaker(text);
      const userId = spoken.speaker ? this.#memberNamed(spoken.speaker) : this.#o.userId;
      const line = parseLine(spoken.line);
      switch (line.kind) {
        case 'empty':
          return 'ok';
        case 'quit':
          return 'quit';
        case 'help':
          screen.print(PLAYGROUND_HELP.split('\n'));
          return 'ok';
        case 'wait':
          await sleep(line.seconds * 1000);
          this.refresh();
          return 'ok';
        case 'react': {
          const messageId = this.messageIdOf(line.message);
          if (!messageId) throw new PlaygroundInputError(`There is no message [${line.message}]; messages are numbered 1 to ${this.#next - 1}.`);
          const input = { userId, messageId, emoji: line.emoji };
          await (line.remove ? this.#o.emulator.unreact(input) : this.#o.emulator.react(input));
          await this.settle({ waitForBackground });
          return 'ok';
        }
        case 'command': {
          const handle = await this.#command(line.name, line.rest, userId);
          await handle.settled({ quietMs: 300, timeoutMs: 15_000 });
          if (handle.responses.length === 0) screen.print([`    ${this.#o.names.get(this.#o.emulator.botUserId) ?? 'The bot'} did not respond (the interaction failed).`]);
          await this.settle({ waitForBackground });
          return 'ok';
        }
      }
    } catch (error) {
      // After stop() the services are going away under a line still running; that is not the line's fault.
      if (this.#stopped) return 'quit';
      screen.print([`  ✗ ${describe(error)}`]);
      return 'error';
    }
  }

  /** The local member called `name` (case-insensitive), for `as NAME:` lines. */
  #memberNamed(name: string): string {
    for (const [id, shown] of this.#o.names) if (id !== this.#o.emulator.botUserId && shown.toLowerCase() === name) return id;
    const known = [...this.#o.names].filter(([id]) => id !== this.#o.emulator.botUserId).map(([, shown]) => shown);
    throw new PlaygroundInputError(`There is no local member "${name}"; try one of: ${known.join(', ')}.`);
  }

  async #command(name: string, rest: string, userId: string): Promise<InteractionHandle> {
    const emulator = this.#o.emulator;
    const definition = emulator.commands().find((c) => c.name === name) as CommandShape | undefined;
    if (!definition) {
      const names = emulator
        .commands()
        .map((c) => `/${c.name}`)
        .sort();
      throw new PlaygroundInputError(`There is no /${name} command here; the bot offers ${names.join(', ')}.`);
    }
    const bound = bindCommand(definition, rest);
    const options: { name: string; value: string }[] = [];
    for (const option of bound.options) {
      const shape = bound.leaf.find((o) => o.name === option.name);
      if (!shape?.autocomplete) {
        options.push(option);
        continue;
      }
      const choices = await emulator.autocomplete({
        userId,
        name,
        ...(bound.subcommand ? { subcommand: bound.subcommand } : {}),
        options: options.concat(bound.options.filter((o) => o !== option && !options.includes(o) && !bound.leaf.find((l) => l.name === o.name)?.autocomplete)),
        focused: option.name,
        value: option.value,
      });
      this.#o.screen.print(renderChoices(option.name, option.value, choices, this.#o.colour));
      options.push({ name: option.name, value: choices[0] ? String(choices[0].value) : option.value });
    }
    return emulator.runCommand({ userId, name, ...(bound.subcommand ? { subcommand: bound.subcommand } : {}), options });
  }
}

function toView(message: EmulatedMessage): MessageView {
  return {
    id: message.id,
    authorId: message.authorId,
    content: message.content,
    embeds: message.embeds.map((e) => ({
      ...(e.title ? { title: e.title } : {}),
      ...(e.description ? { description: e.description } : {}),
      ...(e.fields ? { fields: e.fields } : {}),
      ...(e.footer ? { footer: { text: e.footer.text } } : {}),
      ...(e.thumbnail?.url ? { thumbnail: { url: e.thumbnail.url } } : {}),
      ...(e.image?.url ? { image: { url: e.image.url } } : {}),
    })),
    reactions: message.reactions,
    ephemeral: message.ephemeral,
    editedAt: message.editedAt,
    loading: (message.flags & MessageFlags.Loading) !== 0,
  };
}

/** The emulator's driver errors name the emulator; the person only needs what Discord's client would say. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Discord emulator: /, '');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
