import { fileURLToPath } from 'node:url';

/** The folder of the built page (index.html and assets/), served by callrelay's admin listener. */
export const assetsDir = fileURLToPath(new URL('./dist/', import.meta.url));
