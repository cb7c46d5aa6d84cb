import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The keyword that marks an npm package as a callrelay connector (docs/plugins.md, "Publishing it"). */
export const PLUGIN_KEYWORD = 'callrelay-plugin';

/** The scope of the packages that ship with callrelay; the CLI registers those itself. */
const BUNDLED_SCOPE = '@callrelay/';

/** An installed package whose package.json says it is a callrelay connector. */
export interface InstalledPluginPackage {
  /** The package name: what a config's `type` says to use it. */
  name: string;
  /** The `version` of its package.json, when it has one. */
  version?: string;
  /** The folder it is installed in (`.../node_modules/<name>`). */
  dir: string;
}

/**
 * The connector packages installed where Node would resolve them from `baseDir`: every package
 * with the `callrelay-plugin` keyword in the `node_modules` folders of `baseDir` and of each folder
 * above it, up to the file system root, scoped ones (`@acme/x`) included. A name installed at two
 * levels is the nearest one, as `import` would load it. The bundled `@callrelay/*` packages are
 * left out. Sorted by name.
 */
export async function findPluginPackages(baseDir: string): Promise<InstalledPluginPackage[]> {
  const found = new Map<string, InstalledPluginPackage>();
  for (const modules of nodeModulesFolders(path.resolve(baseDir))) {
    for (const name of await packageNames(modules)) {
      if (found.has(name) || name.startsWith(BUNDLED_SCOPE)) continue;
      const dir = path.join(modules, name);
      const manifest = await readManifest(dir);
      if (manifest && Array.isArray(manifest.keywords) && manifest.keywords.includes(PLUGIN_KEYWORD)) {
        found.set(name, { name, dir, ...(typeof manifest.version === 'string' ? { version: manifest.version } : {}) });
      }
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** `<dir>/node_modules` for `dir` and every folder above it, nearest first. */
function nodeModulesFolders(start: string): string[] {
  const folders: string[] = [];
  for (let dir = start; ; dir = path.dirname(dir)) {
    // Inside node_modules itself (a plugin's own folder), its parent node_modules is the next one up.
    if (path.basename(dir) !== 'node_modules') folders.push(path.join(dir, 'node_modules'));
    if (path.dirname(dir) === dir) return folders;
  }
}

/** Package names in one node_modules folder (`x`, `@scope/x`); none when the folder does not exist. */
async function packageNames(modules: string): Promise<string[]> {
  const entries = await readdir(modules).catch(() => [] as string[]);
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.startsWith('.')) continue; // .bin, .package-lock.json
    if (entry.startsWith('@')) {
      for (const scoped of await readdir(path.join(modules, entry)).catch(() => [] as string[])) {
        if (!scoped.startsWith('.')) names.push(`${entry}/${scoped}`);
      }
    } else {
      names.push(entry);
    }
  }
  return names;
}

async function readManifest(dir: string): Promise<{ keywords?: unknown; version?: unknown } | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { keywords?: unknown; version?: unknown };
  } catch {
    // Not a package (a stray folder, a broken link): nothing to discover there.
    return undefined;
  }
}
