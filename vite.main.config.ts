import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The Electron main process. Forge's Vite plugin merges this over its own
// defaults; it also works alone (`vite build -c vite.main.config.ts`).
//
// Forge packages only .vite/, so everything main needs is bundled: dockerode,
// ws, zod, yaml and the engine. Only Electron, Node built-ins and optional
// native add-ons stay external: ssh2 (the ssh:// engine transport,
// docker/ssh-agent.ts) require()s `cpu-features` and its `sshcrypto.node` binding inside
// try/catch and falls back to pure JS when they are missing.
export const mainExternal: (string | RegExp)[] = [
  'electron',
  /^electron\//,
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  'cpu-features',
  /\.node$/,
];

const CJS_SHIM = [
  "import { createRequire as __lblabRequire } from 'node:module';",
  "import { fileURLToPath as __lblabPath } from 'node:url';",
  "import { dirname as __lblabDirname } from 'node:path';",
  'const require = __lblabRequire(import.meta.url);',
  'const __filename = __lblabPath(import.meta.url);',
  'const __dirname = __lblabDirname(__filename);',
].join(' ');

export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('./.vite/build', import.meta.url)),
    emptyOutDir: false, // preload and main share .vite/build
    copyPublicDir: false,
    sourcemap: true,
    target: 'node22', // Electron 45 ships Node 22
    minify: false, // readable stack traces in bug reports
    // ESM because package.json says "type": "module" and main is .vite/build/main.js.
    lib: { entry: fileURLToPath(new URL('./electron/main.ts', import.meta.url)), formats: ['es'], fileName: () => 'main.js' },
    rollupOptions: {
      external: mainExternal,
      output: {
        // dockerode & co. are CommonJS: they require() Node built-ins and use
        // __dirname, neither of which exists in an ES module, so every chunk
        // gets them (without this the bundle dies at load: checked by
        // test/integration/server-bundle.test.ts).
        banner: CJS_SHIM,
        chunkFileNames: 'chunks/[name]-[hash].js',
      },
    },
  },
  resolve: {
    // Node entry points, never a package's "browser" build.
    conditions: ['node'],
    mainFields: ['module', 'jsnext:main', 'jsnext', 'main'],
  },
});
