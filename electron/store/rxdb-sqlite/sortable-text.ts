/**
 * RxDB compares index strings with JavaScript's `<`, i.e. by UTF-16 code unit. SQLite (UTF-8 database, BINARY
 * collation) compares by byte, which is code point order. The two orders differ for strings holding surrogate
 * pairs (emoji) or chars >= U+E000: in UTF-8 an emoji sorts *after* U+FFFF, the `INDEX_MAX` char RxDB uses for
 * open upper bounds, so a plain TEXT column would silently drop such documents from range queries.
 *
 * We therefore store index strings remapped so that SQLite's byte order equals JavaScript's order: every code unit
 * below U+D800 stays as is (the fast path: ASCII and most scripts never take the slow loop), every code unit
 * u >= U+D800 (surrogates included, paired or lone) becomes the code point u + 0x800, which lies in
 * [U+E000, U+107FF]: above every unmapped unit, strictly monotonic, never a surrogate, so valid UTF-8.
 * The mapping is applied identically to document index strings and to query bounds.
 */
const NEEDS_REMAP = /[\ud800-\uffff]/;
/** Remapped string per code unit u - 0xD800, filled on first use (at most 10240 entries of 1-2 code units). */
const REMAPPED: (string | undefined)[] = [];

export function toSortableText(indexString: string): string {
  // test() first: most index strings need no remapping and then cost no allocation.
  return NEEDS_REMAP.test(indexString) ? remap(indexString) : indexString;
}

/**
 * The slow path as a plain loop over code units: about twice as fast as `replace(/[\ud800-\uffff]/g, fn)` (no
 * callback per unit), which matters because ids with emoji make every index string of a document take this path.
 */
function remap(s: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800) {
      const k = unit - 0xd800;
      out += s.slice(last, i) + (REMAPPED[k] ??= String.fromCodePoint(unit + 0x800));
      last = i + 1;
    }
  }
  return out + s.slice(last);
}
