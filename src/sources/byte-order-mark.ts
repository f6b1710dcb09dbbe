/**
 * The UTF-8 byte order mark (EF BB BF) at the start of a byte stream is
 * dropped, even when it arrives split over chunks, so that it never becomes
 * part of the first key or hides a CSV header (Unicode 15, section 23.8: a BOM
 * at the start of a UTF-8 stream is a signature, not text). One anywhere else
 * is kept as U+FEFF.
 */

/** The UTF-8 byte order mark. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Drops a UTF-8 byte order mark at the start of a byte stream (see the module
 * doc): used by `LineSplitter`, and by readers that do not split lines
 * themselves (e.g. the write-ahead log of stdin).
 */
export class ByteOrderMark {
  /** BOM bytes matched so far; -1 once the start of the stream is past. */
  private matched = 0;

  /** True until the start of the stream has been decided. */
  get pending(): boolean {
    return this.matched >= 0;
  }

  /**
   * Looks at the next chunk while the start is pending.
   * @returns `skip`: bytes of `chunk` that belong to the BOM (drop them);
   *   `held`: bytes of earlier chunks that looked like a BOM but are data
   *   (hand them on before the rest of `chunk`), or null.
   */
  scan(chunk: Buffer): { skip: number; held: Buffer | null } {
    let i = 0;
    while (this.matched >= 0 && this.matched < 3 && i < chunk.length) {
      if (chunk[i] !== BOM[this.matched]) {
        // Not a BOM: what matched in this chunk stays in it; what matched in earlier ones is handed back.
        const earlier = this.matched - i;
        const held = earlier > 0 ? BOM.subarray(0, earlier) : null;
        this.matched = -1;
        return { skip: 0, held };
      }
      this.matched++;
      i++;
    }
    if (this.matched === 3) this.matched = -1;
    return { skip: i, held: null };
  }

  /** The stream ended: bytes held as a possible BOM are data, or null. */
  end(): Buffer | null {
    const held = this.matched > 0 ? BOM.subarray(0, this.matched) : null;
    this.matched = -1;
    return held;
  }
}
