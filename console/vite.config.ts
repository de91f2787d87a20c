import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The admin console: served under /console/ by the local stack and by CloudFront on AWS. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  // `npm run console:dev`: Vite's dev server in front of a running `npm start` (STEWARD_URL, default port 3000).
  server: {
    proxy: Object.fromEntries(
      ['/corps', '/local', '/console/config.json'].map((path) => [path, { target: process.env.STEWARD_URL ?? 'http://127.0.0.1:3000', changeOrigin: true }]),
    ),
  },
});
