// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'module',
  'net',
  'os',
  'path',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'worker_threads',
  'zlib',
];

/** Where code may run is decided by its folder; these rules enforce it. */
const pureRestrictions = {
  patterns: [
    { group: ['node:*'], message: 'shared/ and renderer/ are pure: no Node APIs.' },
    {
      group: ['electron', 'electron/*'],
      message: 'Only electron/main and electron/preload may import electron.',
    },
    {
      group: ['**/electron/**', '../electron/*'],
      message: 'shared/ and renderer/ must not reach into the main process.',
    },
  ],
  paths: nodeBuiltins.map((name) => ({ name, message: 'shared/ and renderer/ are pure: no Node APIs.' })),
};

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'out/**', 'dist/**', 'test-results/**', 'playwright-report/**', '.tools/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', pureRestrictions] },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'no-restricted-imports': ['error', pureRestrictions],
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // Services run under plain Node: they must never import electron.
    files: [
      'electron/core/**/*.ts',
      'electron/host/**/*.ts',
      'electron/cli/**/*.ts',
      'electron/core/mesh/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'Core services must run under plain Node.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
