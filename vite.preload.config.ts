import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The preload runs sandboxed: a single classic CommonJS file (no chunks, no
// ESM), whose only import is `electron`. Named .cjs because package.json says
// "type": "module".
export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('./.vite/build', import.meta.url)),
    emptyOutDir: false,
    copyPublicDir: false,
    sourcemap: 'inline',
    minify: false,
    rollupOptions: {
      input: fileURLToPath(new URL('./electron/preload.ts', import.meta.url)),
      external: ['electron', 'electron/renderer'],
      output: { format: 'cjs', inlineDynamicImports: true, entryFileNames: 'preload.cjs', chunkFileNames: '[name].cjs' },
    },
  },
});
