import { defineConfig } from 'vite';

// A static page: no dev proxy, no JSX transform (htm templates), one small bundle.
export default defineConfig({
  root: 'src',
  base: './',
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
});
