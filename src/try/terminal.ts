import { createInterface, type Interface } from 'node:readline';
import type { Playground, Screen } from './playground.ts';
import { rowsOf } from './render.ts';

interface Block {
  key: string | undefined;
  lines: readonly string[];
}

/** Blocks remembered for redrawing; older ones have scrolled away anyway. */
const MAX_BLOCKS = 200;

/**
 * A {@link Screen} on an interactive terminal with a readline prompt below the chat. Output is written
 * above the prompt (which is redrawn with whatever was being typed). A changed message is redrawn in
 * place, together with everything printed after it, while it is still on screen; otherwise it is
 * printed again at the bottom.
 */
export class TerminalScreen implements Screen {
  readonly #blocks: Block[] = [];
  #promptShown = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly rl: Interface,
  ) {}

  print(lines: readonly string[], key?: string): void {
    this.#write(() => {
      this.out.write(`${lines.join('\n')}\n`);
      this.#remember({ key, lines });
    });
  }

  replace(key: string, lines: readonly string[]): void {
    const index = this.#blocks.findIndex((b) => b.key === key);
    const columns = this.out.columns || 80;
    const below = index < 0 ? Infinity : this.#blocks.slice(index).reduce((rows, b) => rows + rowsOf(b.lines, columns), 0);
    if (below >= (this.out.rows || 24) - 1) {
      // Scrolled out of reach: show the new version at the bottom instead.
      if (index >= 0) this.#blocks[index] = { key: undefined, lines: this.#blocks[index]!.lines };
      this.print(lines, key);
      return;
    }
    this.#write(() => {
      this.#blocks[index] = { key, lines };
      this.out.write(`\x1b[${below}A\r\x1b[J`);
      for (const block of this.#blocks.slice(index)) this.out.write(`${block.lines.join('\n')}\n`);
    });
  }

  /** The line the person typed stays on screen (readline echoed it); remember it for redraws. */
  typed(line: string): void {
    this.#promptShown = false;
    this.#remember({ key: undefined, lines: [`${this.rl.getPrompt()}${line}`] });
  }

  prompt(): void {
    this.#promptShown = true;
    this.rl.prompt(true);
  }

  #write(draw: () => void): void {
    // The prompt line is the row under the last block; clear it, draw, and put it back with the input so far.
    if (this.#promptShown) this.out.write('\r\x1b[K');
    draw();
    if (this.#promptShown) this.rl.prompt(true);
  }

  #remember(block: Block): void {
    this.#blocks.push(block);
    if (this.#blocks.length > MAX_BLOCKS) this.#blocks.splice(0, this.#blocks.length - MAX_BLOCKS);
  }
}

export interface TerminalChatOptions {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  username: string;
  createPlayground(screen: Screen, colour: boolean): Playground;
}

/** The interactive chat: a prompt, one line at a time, until `quit`, Ctrl-D or Ctrl-C. Resolves with the exit code. */
export async function runTerminalChat(options: TerminalChatOptions): Promise<number> {
  const { input, output } = options;
  const colour = Boolean(output.isTTY && output.hasColors?.());
  const rl = createInterface({ input, output, terminal: Boolean(output.isTTY), prompt: `${options.username} › `, historySize: 200 });
  const screen = new TerminalScreen(output, rl);
  const playground = options.createPlayground(screen, colour);
  rl.on('SIGINT', () => rl.close());
  screen.print([
    'tastebud playground: a local Discord server with the real bot. Try /recommend count:3, then react to a suggestion with +2 😍 or +3 👍.',
    'Type help for the playground keys, /help for the bot’s help, quit (or Ctrl-D) to leave.',
  ]);
  playground.start();
  screen.prompt();
  try {
    for await (const line of rl) {
      screen.typed(line);
      // Background work (a retrain) keeps reporting in place; the prompt comes back once the reply settles.
      const outcome = await playground.run(line, { waitForBackground: false });
      if (outcome === 'quit') break;
      screen.prompt();
    }
  } finally {
    playground.stop();
    rl.close();
    output.write('\nStopping the bot, the worker and the emulator…\n');
  }
  return 0;
}
