// Lint: typescript-eslint's recommended rules (syntax only, no type-aware
// rules: fast) plus the architecture's import boundaries, by folder (so they
// hold when files move inside a folder). docs/architecture.md draws them:
//   renderer → electron/api ← main/preload/server/cli → engine/lab-engine → engine
//   electron/api is api.ts and the folder api/ (one file per domain), less
//   api/host.ts: the host-only lab service, which the renderer never imports
//   electron/ → lab-images/balancer/contract only through engine/balancer/contract.ts
//   (and electron/api, which re-exports the contract's vocabulary)
//   lab-images never imports electron/ or renderer/; nothing imports test/ or bench/
// Specifiers are matched as written: a relative path is recognized by the
// folder names it passes through (`../engine/deploy/up` from electron/cli/).
// no-restricted-imports checks static imports and `export … from`;
// no-restricted-syntax checks dynamic `import('…')` with the same patterns.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** A relative specifier passing through folder `p` (a regex source). */
const via = (p) => `^(\\.{1,2}/)+(.*/)?${p}`;
const EXT = '(\\.[cm]?[jt]sx?)?$';

// Each boundary: the specifiers it refuses and the one line that says why.
const B = {
  electronPackage: {
    regex: '^electron(/|$)',
    message: "only electron/main.ts and electron/preload.ts import 'electron'; the rest must run in plain Node (web mode, CLI, tests)",
  },
  testOrBench: { regex: via('(test|bench)/'), message: 'product code never imports test/ or bench/' },
  bench: { regex: via('bench/'), message: 'tests never import bench/: run the bench as a subprocess, or move what both need to test/support/' },
  testBeyondSupport: { regex: via('test/(?!support/)'), message: 'benches import from test/ only test/support/' },
  rendererBeyondApi: {
    regex: via(`(electron(/(?!api(${EXT}|/))|$)|lab-images(/|$))`),
    message: 'the renderer imports only electron/api (types and schemas), never the engine, server, CLI, shell or lab-images/',
  },
  rendererHost: {
    regex: via(`electron/api/host${EXT}`),
    message: 'the renderer never imports electron/api/host: the lab service is host-only (Node streams)',
  },
  renderer: { regex: via('renderer(/|$)'), message: 'nothing in electron/ imports the renderer (it is loaded by URL)' },
  labImages: {
    regex: via('lab-images(/|$)'),
    message: 'electron/ reaches lab-images/ only through electron/engine/balancer/contract.ts and electron/api (the balancer contract)',
  },
  labImagesBeyondContract: {
    regex: via('lab-images/(?!balancer/contract(/|$))'),
    message: 'of lab-images/ only lab-images/balancer/contract/ (the host↔agent contract) may be imported here',
  },
  engineBeyondEntry: {
    regex: via(`engine(/(?!lab-engine${EXT})|$)`),
    message: 'outside the engine, import only electron/engine/lab-engine (the engine\'s one entry), nothing else under engine/',
  },
  engine: { regex: via('engine(/|$)'), message: 'this folder never imports the engine (main.ts hands the shell its engine)' },
  shell: { regex: via('shell(/|$)'), message: 'electron/shell/ is imported only by electron/main.ts and electron/preload.ts' },
  server: { regex: via('server(/|$)'), message: 'electron/server/ is imported only by the CLI (`lblab serve`); the shell never imports it' },
  cli: { regex: via('cli(/|$)'), message: 'nothing imports electron/cli/ but bin/lblab.mjs' },
  engineOutward: {
    regex: via(`((renderer|server|cli|shell)(/|$)|(main|preload)${EXT})`),
    message: 'the engine never imports the renderer, server, CLI, shell, main or preload: they import it',
  },
  uiLibraries: { regex: '^(react|react-dom|recharts|@xyflow/|@xterm/)', message: 'the engine never imports UI libraries' },
  apiOutward: {
    regex: via(`((engine|server|cli|shell|renderer|common)(/|$)|(main|preload)${EXT})`),
    message: 'electron/api is the contract at the bottom: it imports no other part of the app',
  },
  apiPackages: {
    regex: '^(?!zod$)(?!\\.{1,2}/)',
    message: 'electron/api is the contract every side shares: of packages it imports only zod',
  },
  apiBeyondVocabulary: {
    regex: via(`lab-images/(?!balancer/contract/vocabulary${EXT})`),
    message: "of lab-images/ electron/api imports only the balancer contract's vocabulary (modes, schedulers, the name rule)",
  },
  apiHost: {
    regex: via(`host${EXT}`),
    message: 'electron/api/host.ts is host-only (Node streams): the rest of electron/api never imports it, so the renderer does not bundle it',
  },
  labImagesOutward: {
    regex: via('(electron|renderer)(/|$)'),
    message: 'lab-images/ runs inside the containers: it never imports electron/ or renderer/',
  },
};

/** The no-restricted-imports / no-restricted-syntax settings refusing these boundaries. */
function boundaries(...bs) {
  const patterns = bs.map((b) => ({ regex: b.regex, message: b.message }));
  // esquery regex literals cannot hold '/': spell it \x2F
  const dynamic = bs.map((b) => ({ selector: `ImportExpression[source.value=/${b.regex.replaceAll('/', '\\x2F')}/]`, message: b.message }));
  return {
    'no-restricted-imports': ['error', { patterns }],
    'no-restricted-syntax': ['error', ...dynamic],
  };
}

// What each folder may not import. A file takes the last block matching it
// (flat config replaces a rule's options, it does not merge them).
const product = [B.electronPackage, B.testOrBench];
const electronSide = [...product, B.renderer, B.labImages, B.shell];
const engineSide = [B.electronPackage, B.testOrBench, B.engineOutward, B.uiLibraries];
const serverSide = [...electronSide, B.engineBeyondEntry, B.cli];
const cliSide = [...electronSide, B.engineBeyondEntry];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**', '.vite/**', 'out/**', 'dist/**', '.cache/**', 'test-results/**',
      'lab-images/**/build/**', '**/*.bpf.o', 'lab-images/balancer/lbagent.mjs',
      // code that breaks the boundaries on purpose, linted by test/unit/lint/ under other names
      'test/unit/lint/fixtures/**',
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
      ...boundaries(B.electronPackage),
    },
  },
  { files: ['bin/**', 'lab-images/**', 'renderer/**', 'electron/**'], rules: boundaries(...product) },
  { files: ['electron/**'], rules: boundaries(...electronSide) },
  { files: ['electron/api.ts', 'electron/api/**'], rules: boundaries(B.testOrBench, B.apiPackages, B.apiOutward, B.apiBeyondVocabulary, B.apiHost) },
  { files: ['electron/main.ts', 'electron/preload.ts'], rules: boundaries(B.testOrBench, B.renderer, B.labImages, B.engineBeyondEntry, B.cli) },
  { files: ['electron/server/**'], rules: boundaries(...serverSide) },
  { files: ['electron/cli/**'], rules: boundaries(...cliSide) },
  { files: ['electron/shell/**'], rules: boundaries(...product, B.renderer, B.labImages, B.engine, B.server, B.cli) },
  { files: ['electron/engine/**'], rules: boundaries(...engineSide, B.labImages) },
  { files: ['electron/engine/balancer/contract.ts'], rules: boundaries(...engineSide, B.labImagesBeyondContract) },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: boundaries(...product, B.rendererBeyondApi, B.rendererHost),
  },
  { files: ['lab-images/**'], rules: boundaries(...product, B.labImagesOutward) },
  { files: ['test/**'], rules: boundaries(B.electronPackage, B.bench) },
  { files: ['bench/**'], rules: boundaries(B.electronPackage, B.testBeyondSupport) },

);
