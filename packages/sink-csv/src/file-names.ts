import path from 'node:path';

/**
 * The file of a day under daily rotation: `{date}` in the name is replaced by the day, or, when
 * the name has no `{date}`, the day goes before the extension (`calls.csv` → `calls-2026-11-24.csv`).
 */
export function datedPath(file: string, day: string): string {
  if (file.includes('{date}')) return file.replaceAll('{date}', day);
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}-${day}${ext}`;
}

/** The n-th overflow file of a name (size rotation, or a header that differs): `calls.csv` → `calls.1.csv`. */
export function withIndex(file: string, index: number): string {
  if (index === 0) return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${index}${ext}`;
}
