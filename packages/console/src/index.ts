import { fileURLToPath } from 'node:url';

/**
 * The folder of the built console page (`index.html` and `assets/`), which callrelay's admin
 * listener serves at `/` (docs/console.md). Built by Vite from `page/` at `npm run build`; the
 * same folder whether this module runs from `src/` (tests) or `dist/`.
 */
export const assetsDir: string = fileURLToPath(new URL('../dist/page/', import.meta.url));
