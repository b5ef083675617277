/** The parts of a `yaml` Document that locating a key needs (typed structurally: no dependency). */
export interface YamlDocumentLike {
  contents: unknown;
  getIn(path: Iterable<unknown>, keepScalar?: boolean): unknown;
}

/** The part of `yaml`'s LineCounter that turns an offset into a 1-based line. */
export interface YamlLineCounterLike {
  linePos(offset: number): { line: number; col: number };
}

interface NodeWithRange {
  range?: [number, number, number];
}

interface MapLike {
  items: { key: unknown }[];
}

function isMapLike(node: unknown): node is MapLike {
  return typeof node === 'object' && node !== null && Array.isArray((node as MapLike).items);
}

/**
 * The 1-based line of `path` in a parsed YAML document, for error messages. Walks up as far as the
 * path exists, so an unknown key is reported at its own line and a missing one at its parent's.
 */
export function yamlLineOf(
  document: YamlDocumentLike,
  lineCounter: YamlLineCounterLike,
  path: readonly PropertyKey[],
): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const keys = path.slice(0, depth) as (string | number)[];
    const node = depth === 0 ? document.contents : document.getIn(keys, true);
    const parent = depth === 0 ? undefined : depth === 1 ? document.contents : document.getIn(keys.slice(0, -1), true);
    if (isMapLike(parent)) {
      const pair = parent.items.find(
        (item) => String((item.key as { value?: unknown })?.value ?? item.key) === String(keys.at(-1)),
      );
      const range = (pair?.key as NodeWithRange | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
    const range = (node as NodeWithRange | null | undefined)?.range;
    if (range) return lineCounter.linePos(range[0]).line;
  }
  return undefined;
}
