/**
 * A gzip file given where text is read (`dstream --count < x.log.gz`) would be
 * split into "lines" of compressed bytes and counted as if they were records,
 * with invalid-UTF-8 warnings: a wrong answer printed as a right one. stdin is
 * therefore refused when it starts with the gzip magic bytes (RFC 1952,
 * section 2.3.1: ID1 = 0x1f, ID2 = 0x8b). Valid UTF-8 text cannot start so
 * (0x8b is a continuation byte), so no text input is refused. `--watch`
 * decompresses `.gz` files itself.
 */
import { ConfigError } from '../core/errors.js';

/** ID1 and ID2 of a gzip member. */
const MAGIC = [0x1f, 0x8b];

/** The error for gzip on stdin (exit 2), naming the fix. */
export function gzipStdinError(): ConfigError {
  return new ConfigError('stdin looks gzip-compressed (it starts with the gzip magic bytes 1f 8b); decompress it first: zcat FILE | dstream …');
}

/** True when `head` (the first bytes of a stream, at least 2) starts with the gzip magic. */
export function startsWithGzipMagic(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === MAGIC[0] && head[1] === MAGIC[1];
}

/** Watches the start of a byte stream for the gzip magic, even when it arrives split over chunks. */
export class GzipStart {
  /** Magic bytes matched so far; -1 once the start is decided. */
  private matched = 0;

  /** True while the start is not yet decided. */
  get pending(): boolean {
    return this.matched >= 0;
  }

  /** Looks at the next chunk while pending. @returns true when the stream starts with the gzip magic. */
  scan(chunk: Uint8Array): boolean {
    for (let i = 0; this.matched >= 0 && i < chunk.length; i++) {
      if (chunk[i] !== MAGIC[this.matched]) {
        this.matched = -1;
        return false;
      }
      if (++this.matched === MAGIC.length) {
        this.matched = -1;
        return true;
      }
    }
    return false;
  }
}
