import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The admin console: served under /console/ by the local stack and by CloudFront on AWS. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
});
