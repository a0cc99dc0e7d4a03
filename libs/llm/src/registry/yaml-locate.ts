import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml'

/**
 * The 1-based line of a path in a parsed YAML document: the line of the deepest key (or sequence
 * item) on the path that exists, so a missing field points at its parent mapping.
 */
export function yamlLineOf(doc: Document, lc: LineCounter, path: ReadonlyArray<PropertyKey>): number | undefined {
  let node: unknown = doc.contents
  let offset: number | undefined = (doc.contents as Node | null)?.range?.[0]
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg)
      if (pair === undefined) break
      offset = (pair.key as Node | null)?.range?.[0] ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined
      if (item === undefined) break
      offset = item.range?.[0] ?? offset
      node = item
    } else {
      break
    }
  }
  return offset === undefined ? undefined : lc.linePos(offset).line
}
