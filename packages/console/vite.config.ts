import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The server serves the build at /ui/ (packages/server/src/http/console-static.ts): hashed files
// under assets/ are cached for a year, index.html is revalidated. Nothing comes from a CDN.
export default defineConfig({
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The strict CSP (script-src 'self') allows no inline script: keep every module a file.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
