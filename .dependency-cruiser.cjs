// Import rules that `npm test` enforces (`npm run lint:deps`). The tiers, from the bottom up:
//   lib      src/lib: small pure helpers; imports nothing of the project.
//   domain   src/config.ts, src/log.ts, src/db and the concern folders (admin, catalog, import, embeddings, model, index,
//            model-store, recommend, eval, groups, movienight, members, ratings, suggestions, privacy, promotion,
//            online, serving, queue, observability, providers): import lib and one another, never a process, and
//            take settings as arguments (only src/log.ts reads src/config.ts at run time).
//   process  the adapters that run: bot (Discord), api (HTTP), worker + jobs/ (BullMQ; the runtime imports
//            the job processors, never the reverse); these are peers and never import one another.
//   app      src/app (each process's start/ready/stop) and src/setup (making a database ready to serve):
//            compose processes and domain.
//   front    src/cli (the `tastebud` command: only bin/, tests and scripts import it), src/try (the playground)
//            and src/emulator (a fake Discord and fake providers, imported only by try, tests and benchmarks).
// src/generated (Prisma's output) is left out. No import cycle anywhere, type-only imports included.
const DOMAIN =
  '^src/(config[.]ts|log[.]ts|db|admin|catalog|import|embeddings|model|index|model-store|recommend|eval|groups|movienight|members|ratings|suggestions|privacy|promotion|online|serving|queue|observability|providers)([/.]|$)';
const PROCESSES = '^(src/(bot|api|worker|app|setup|cli|try|emulator)/|jobs/)';

/** A rule that the files under `from` import nothing matching `to`. */
function forbid(name, comment, from, to) {
  return { name, comment, severity: 'error', from, to };
}

module.exports = {
  forbidden: [
    forbid('no-circular', 'An import cycle: the modules on it cannot be understood, loaded or tested one at a time.', {}, { circular: true }),
    forbid('domain-not-to-processes', 'Domain code is used by the processes, never the reverse: pass what it needs as an argument.', { path: DOMAIN }, { path: PROCESSES }),
    forbid(
      'domain-not-to-config',
      'Only processes read the settings (src/config.ts); domain code takes them as arguments (type-only imports are fine).',
      { path: DOMAIN, pathNot: '^src/(config|log)[.]ts$' },
      { path: '^src/config[.]ts$', dependencyTypesNot: ['type-only'] },
    ),
    forbid('lib-imports-nothing', 'src/lib holds leaf helpers: it imports nothing of the project.', { path: '^src/lib/' }, { path: '^(src|jobs)/', pathNot: '^src/lib/' }),
    forbid(
      'bot-not-to-other-processes',
      'The bot is one process: it does not import the API, the worker, the jobs or what composes them.',
      { path: '^src/bot/' },
      { path: '^(src/(api|worker|app|setup|cli|try|emulator)/|jobs/)' },
    ),
    forbid(
      'api-not-to-other-processes',
      'The HTTP API is one process: it does not import the bot, the worker, the jobs or what composes them.',
      { path: '^src/api/' },
      { path: '^(src/(bot|worker|app|setup|cli|try|emulator)/|jobs/)' },
    ),
    forbid(
      'worker-not-to-other-processes',
      'The worker runs jobs/; it does not import the bot, the API or what composes them.',
      { path: '^(src/worker|jobs)/' },
      { path: '^src/(bot|api|app|setup|cli|try|emulator)/' },
    ),
    forbid('jobs-not-to-worker', 'The worker runtime imports the job processors, never the reverse (each job takes its dependencies as arguments).', { path: '^jobs/' }, { path: '^src/worker/' }),
    forbid('app-not-to-front', 'src/app and src/setup are shared by the CLI and the playground, so they import neither.', { path: '^src/(app|setup)/' }, { path: '^src/(cli|try|emulator)/' }),
    forbid(
      'only-front-to-app',
      'Only the CLI and the playground start processes (src/app) and prepare databases (src/setup).',
      { path: '^(src|jobs)/', pathNot: '^src/(app|setup|cli|try)/' },
      { path: '^src/(app|setup)/' },
    ),
    forbid('nothing-to-cli', 'The CLI is the top: only bin/, tests and scripts import src/cli.', { path: '^(src|jobs)/', pathNot: '^src/cli/' }, { path: '^src/cli/' }),
    forbid('try-not-to-cli', 'The playground is started by the CLI, not the reverse.', { path: '^src/try/' }, { path: '^src/cli/' }),
    forbid(
      'emulator-stands-alone',
      'The Discord and provider emulators speak only the wire protocols: they import nothing of the project but src/lib.',
      { path: '^src/emulator/' },
      { path: '^(src|jobs)/', pathNot: '^src/(emulator|lib)/' },
    ),
    forbid(
      'only-try-to-emulator',
      'The emulators are for the playground, tests and benchmarks; production code never imports them.',
      { path: '^(src|jobs)/', pathNot: '^src/(emulator|try)/' },
      { path: '^src/emulator/' },
    ),
    forbid('production-not-to-tests', 'src/ and jobs/ ship; test/, bench/ and scripts/ do not.', { path: '^(src|jobs)/' }, { path: '^(test|bench|scripts)/' }),
    forbid(
      'production-not-to-dev-deps',
      'src/ and jobs/ ship without devDependencies (type-only imports vanish at build and are fine).',
      { path: '^(src|jobs)/' },
      { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    ),
    forbid('not-to-unresolvable', 'An import that resolves to no file or package.', {}, { couldNotResolve: true }),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(src/generated|dist|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: a cycle through types is still a cycle for the reader.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
