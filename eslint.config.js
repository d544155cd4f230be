// eslint (`npm run lint:code`, part of `npm test`): eslint's and typescript-eslint's recommended rules, not the
// type-checked preset (it would run the type checker a second time, on two cores). TSDoc syntax checks
// (eslint-plugin-tsdoc) are left out: the doc comments are prose ("nDCG@10", "a -> b", "/movie/{id}",
// "@everyone") and would need escapes that make them harder to read.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'src/generated/', 'coverage/', 'data/', 'node_modules/', 'bench/results/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  { files: ['src/api/dashboard/public/**/*.js'], languageOptions: { globals: globals.browser } },
  // One screen per function (#15). A factory returning short methods counts as one long function, so the few
  // factories and tables that are long for that reason say so where they are defined.
  { files: ['src/**/*.ts', 'jobs/**/*.ts'], rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] } },
  {
    rules: {
      // A signal handler may read a process handle before the start assigns it (`let running; ... running = await start()`).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // A leading underscore names what is left out on purpose (`const { secret: _secret, ...shown } = row`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
);
