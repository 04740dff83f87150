import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The renderer: one build for the desktop app (Forge's Vite plugin layout) and web mode.
const root = fileURLToPath(new URL('./renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./.vite/renderer/main_window', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: {
    // web-mode development: forward the LabApi to a running `lblab serve` (LBLAB_API, default :7470).
    // Its API needs the token: open the URL it prints once under this page's host name (localhost:7470/?token=…);
    // the cookie it sets is per host, not per port, so the proxied calls carry it.
    proxy: {
      '/api/events': { target: process.env.LBLAB_API ?? 'http://127.0.0.1:7470', ws: true },
      '/api': { target: process.env.LBLAB_API ?? 'http://127.0.0.1:7470' },
    },
  },
});
