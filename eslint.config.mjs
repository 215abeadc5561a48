import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** An import path that climbs into one of `folders` under src/ (any depth of ../). */
const into = (folders) => ({ regex: `^(\\.\\./)+(${folders.join('|')})(/|$)` });
const HOST = ['vscode'];
const FS = ['fs', 'fs/promises', 'node:fs', 'node:fs/promises'];
const UPPER = ['jobs', 'worker', 'compute', 'panels', 'commands', 'cli', 'train', 'report', 'settings', 'extension'];
const restrict = (files, names, folders, why, extra = {}) => ({
  files,
  ...extra,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: names.map((name) => ({ name, message: why })),
        patterns: [
          { ...into(folders), message: why },
          { regex: '^(\\.\\./)+webview(/|$)', message: why },
        ],
      },
    ],
  },
});

/**
 * Per-folder import rules. engine and io are numbers and readers: no vscode, no upper folder, and
 * no file system except io's files that open paths (the ByteSource edge); protocol is the shared
 * vocabulary of host, compute process and webview: nothing but itself; shared holds what the host
 * sides share (no vscode); train never imports the CLI; the HTML export never imports panels; host
 * code never imports the webview's files (shared formats live in src/protocol).
 */
function layerRules() {
  const IO_FILE_EDGE = ['byteSource', 'open', 'write', 'run', 'npyFolder', 'sharded', 'shardSet', 'completeness', 'tensorTable'].map(
    (f) => `src/io/${f}.ts`,
  );
  return [
    restrict(
      ['src/engine/**/*.ts'],
      [...HOST, ...FS],
      UPPER,
      'src/engine is numbers only: no vscode, no file system, nothing from the folders above it',
    ),
    restrict(
      ['src/engine/ortBackend.ts'],
      HOST,
      UPPER,
      'src/engine: no vscode, nothing from the folders above it (ortBackend checks for the CUDA provider file)',
    ),
    restrict(
      ['src/io/**/*.ts'],
      [...HOST, ...FS],
      [...UPPER, 'engine'],
      'src/io reads over a ByteSource: no vscode, no file system outside its file edge, nothing from engine or above',
      { ignores: IO_FILE_EDGE },
    ),
    restrict(IO_FILE_EDGE, HOST, [...UPPER, 'engine'], 'src/io: no vscode, nothing from engine or the folders above it'),
    restrict(
      ['src/protocol/**/*.ts'],
      [...HOST, ...FS, 'node:child_process', 'node:path'],
      [...UPPER, 'engine', 'io', 'shared'],
      'src/protocol is shared by host, compute process and webview: only its own files',
    ),
    restrict(['src/shared/**/*.ts'], HOST, [...UPPER, 'engine', 'io'], 'src/shared: no vscode, only src/protocol and its own files'),
    restrict(
      ['src/train/**/*.ts'],
      HOST,
      ['cli', 'panels', 'commands', 'compute', 'worker', 'extension'],
      'src/train is the trainer: no vscode, never the CLI or the extension',
    ),
    restrict(
      ['src/report/**/*.ts'],
      HOST,
      ['panels', 'commands', 'compute', 'worker', 'cli', 'extension'],
      'src/report renders a view to a file: it never imports the panels (panels/export.ts imports it)',
    ),
    restrict(
      ['src/commands/**/*.ts', 'src/panels/**/*.ts', 'src/compute/**/*.ts', 'src/settings/**/*.ts', 'src/extension.ts'],
      [],
      [],
      'host code never imports the webview: shared formats live in src/protocol',
    ),
    {
      files: ['webview/**/*.ts'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: [...HOST, ...FS].map((name) => ({ name, message: 'the webview runs in a browser' })),
            patterns: [
              { regex: '^(\\.\\./)+src/(?!protocol/)', message: 'the webview imports only src/protocol and its own files' },
              { regex: '^node:', message: 'the webview runs in a browser' },
            ],
          },
        ],
      },
    },
  ];
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'build/**',
      'node_modules/**',
      'bin/**',
      'examples/**',
      'test/fixtures/**',
      '.vscode-test/**',
      'media/**',
      'bench/out/**',
      'test-output/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    languageOptions: { parserOptions: { project: './webview/tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Folder = role, kept by the linter (docs/architecture.md): the lower folders never reach up.
  ...layerRules(),
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'readonly', __dirname: 'readonly' },
    },
  },
);
