// `npm run dev -- <args>`: the CLI from the TypeScript sources (through tsx), for working on tastebud
// without rebuilding dist/ after each change.
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
