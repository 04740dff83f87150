// Lint: typescript-eslint's recommended rules (syntax only, no type-aware
// rules: fast) plus the architecture's import boundaries:
//   renderer → api.ts ← main/preload/server/cli → engine → dockerode
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const electronOnlyInShell = {
  name: 'electron',
  message: "only electron/main.ts and electron/preload.ts import 'electron'; the rest must run in plain Node (web mode, CLI, tests)",
};

const engineMustNotImportUi = [
  { regex: '(^|/)renderer(/|$)', message: 'the engine never imports the UI (renderer/)' },
  { regex: '^(react|react-dom|recharts)(/|$)', message: 'the engine never imports UI libraries' },
  { regex: '^@(xyflow|xterm)/', message: 'the engine never imports UI libraries' },
];

const rendererOnlyImportsApi = [
  {
    regex: '(^|/)electron/(?!api(\\.[cm]?[jt]s)?$)',
    message: 'the renderer imports only electron/api (types and schemas), never the engine, server or shell',
  },
];

const onlyThroughLabEngine = {
  regex: '(^|/)engine/(?!lab-engine(\\.[cm]?[jt]s)?$)',
  message: 'the engine is reached only through engine/lab-engine (its LabService); types come from electron/api',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**', '.vite/**', 'out/**', 'dist/**', '.cache/**', 'test-results/**',
      'lab-images/**/build/**', '**/*.bpf.o', 'lab-images/balancer/lbagent.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-empty': ['error', { allowEmptyCatch: true }],
      // The project's errors are one readable line, often rewrapped from a
      // lower-level error on purpose; keeping `cause` is welcome, not required.
      'preserve-caught-error': 'off',
      'no-useless-assignment': 'warn',
      'no-useless-escape': 'warn',
      'no-restricted-imports': ['error', { paths: [electronOnlyInShell] }],
    },
  },
  {
    files: ['electron/main.ts', 'electron/preload.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['electron/engine/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOnlyInShell], patterns: engineMustNotImportUi }] },
  },
  // ---- hosts of the engine: only through engine/lab-engine (types from api.ts); server and shell share nothing but common/
  {
    files: ['electron/cli/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOnlyInShell], patterns: [onlyThroughLabEngine] }] },
  },
  {
    files: ['electron/server/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOnlyInShell], patterns: [onlyThroughLabEngine, { regex: '(^|/)shell/', message: 'the web server does not import the Electron shell: shared parts live in electron/common/ or api.ts' }] }] },
  },
  {
    files: ['electron/shell/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOnlyInShell], patterns: [onlyThroughLabEngine, { regex: '(^|/)server/', message: 'the Electron shell does not import the web server: shared parts live in electron/common/ or api.ts' }] }] },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', { paths: [electronOnlyInShell], patterns: rendererOnlyImportsApi }] },
  },
);
