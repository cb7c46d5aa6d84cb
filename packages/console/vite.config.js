import { defineConfig } from 'vite';

// A static page: no dev proxy, no JSX transform (htm templates), one small bundle, next to the
// package's compiled entry (dist/index.js tells the admin listener where it is).
export default defineConfig({
  root: 'page',
  base: './',
  build: { outDir: '../dist/page', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
});
