import { isMap, isPair, isScalar, isNode, type Document, type LineCounter, type Node } from 'yaml';

/** A line and column (1-based) in the config file; empty when the place is not known. */
export interface FilePosition {
  line?: number;
  column?: number;
}

/** A path in the config file: mapping keys and list indexes (`['sources', 'pbx', 'auth', 'token']`). */
export type ConfigPath = (string | number)[];

/**
 * Where things are in a parsed YAML (or JSON) config file: a config path to its line and column,
 * a node back to its path, a scalar to the text it was written as. The document keeps the
 * positions; the validated data (`doc.toJS()`) no longer has them.
 */
export class YamlPositions {
  constructor(private readonly doc: Document, private readonly lines: LineCounter) {}

  /** The line and column of a character offset of the file. */
  at(offset: number | undefined): FilePosition {
    if (offset === undefined) return {};
    const pos = this.lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  /**
   * Position of the deepest node that exists on the path: for a mapping entry, its key, or with
   * `target: 'value'` its value (`type: mised` points at `mised`).
   */
  locate(parts: ConfigPath, target: 'key' | 'value' = 'key'): FilePosition {
    const { node, offset, complete } = this.walk(parts);
    if (target === 'value' && complete && isNode(node) && node.range) return this.at(node.range[0]);
    return this.at(offset);
  }

  /** The text of the scalar at a path as written in the file (`+14155551234`, `0101`), if it is one. */
  scalarSource(parts: ConfigPath): string | undefined {
    const { node, complete } = this.walk(parts);
    return complete && isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
  }

  /** The dotted path of a node of the document ('' when it is not in it). */
  pathOf(target: Node): string {
    const found: string[] = [];
    const visit = (node: unknown, trail: string[]): boolean => {
      if (node === target) {
        found.push(...trail);
        return true;
      }
      if (isMap(node)) return node.items.some((pair) => visit(pair.value, [...trail, String(isScalar(pair.key) ? pair.key.value : '?')]));
      const items = itemsOf(node);
      return items ? items.some((item, i) => visit(item, [...trail, String(i)])) : false;
    };
    visit(this.doc.contents, []);
    return found.join('.');
  }

  /** The node at a path, and the offset of the deepest key or item found on the way. */
  private walk(parts: ConfigPath): { node: unknown; offset: number | undefined; complete: boolean } {
    let node: unknown = this.doc.contents;
    let offset: number | undefined = (this.doc.contents as Node | null)?.range?.[0];
    for (const part of parts) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(part));
        if (!pair) return { node, offset, complete: false };
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
        continue;
      }
      const item = itemsOf(node)?.[Number(part)];
      if (!isNode(item)) return { node, offset, complete: false };
      offset = item.range?.[0] ?? offset;
      node = item;
    }
    return { node, offset, complete: true };
  }
}

/** The items of a YAML sequence (or of any collection node), else undefined. */
function itemsOf(node: unknown): unknown[] | undefined {
  return node && typeof node === 'object' && 'items' in node && Array.isArray((node as { items: unknown[] }).items)
    ? (node as { items: unknown[] }).items
    : undefined;
}
