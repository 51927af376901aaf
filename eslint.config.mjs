// Lint = the layering rules (docs/ARCHITECTURE.md), nothing else: tsc does the type checking.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// The drivers load lazily (lib/store): a static value import would load them for every user.
const LAZY_DRIVERS = {
  group: ['ioredis', 'pg'],
  allowTypeImports: true,
  message: 'ioredis and pg load lazily inside their store (require() in the constructor); import only types here.',
};

export default defineConfig(
  {
    files: ['lib/**/*.ts', 'nodes/**/*.ts', 'test/types/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    // Code may carry directives for rules this small set does not run (no-control-regex …).
    linterOptions: { reportUnusedDisableDirectives: 'off' },
  },
  {
    files: ['lib/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['node-red', 'node-red/**', '@node-red/**'], message: 'lib/ is plain Node: no Node-RED import (the nodes adapt it).' },
          { group: ['**/nodes', '**/nodes/**'], message: 'lib/ never depends on nodes/.' },
          LAZY_DRIVERS,
        ],
      }],
    },
  },
  {
    files: ['nodes/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          {
            group: ['**/lib/**', '!**/lib/index', '!**/lib/internal'],
            message: 'Nodes reach lib/ only through its entry points: lib (public API) or lib/internal.',
          },
          LAZY_DRIVERS,
        ],
      }],
    },
  },
);
