import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.webmanifest': 'application/manifest+json',
};

/** The page may load only its own files and talk only to this listener. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Serves the console's built files (`@callrelay/console`'s `dist/`) from memory: read once when
 * the listener is composed, so a request path never reaches the file system (no traversal to
 * guard) and the few hundred kB cost nothing per request. `index.html` at `/`.
 */
export function mountConsoleAssets(router: Router, dir: string): number {
  const files = new Map<string, { body: Buffer; type: string; immutable: boolean }>();
  const walk = (sub: string) => {
    for (const name of readdirSync(path.join(dir, sub))) {
      const rel = path.posix.join(sub, name);
      if (statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      else files.set(`/${rel}`, { body: readFileSync(path.join(dir, rel)), type: TYPES[path.extname(name)] ?? 'application/octet-stream', immutable: rel.startsWith('assets/') });
    }
  };
  walk('');
  const index = files.get('/index.html');
  router.get(['/', '/index.html', '/assets/:file', '/:file'], (ctx, next) => {
    const file = ctx.path === '/' ? index : files.get(ctx.path);
    if (!file) return next();
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    // Vite names assets by content hash: they never change under one name.
    ctx.set('Cache-Control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.type = file.type;
    ctx.body = file.body;
  });
  return files.size;
}
