/**
 * Helper functions available by name inside user functions
 * (`--flat-map 't => hashtags(t.text)'`).
 */

const HASHTAG = /#([\p{L}\p{M}\p{N}_]+)/gu;
const WORD = /[\p{L}\p{M}\p{N}_']+/gu;

/** Hashtags of a text, lower-cased, with the `#`: letters, marks, digits and `_` (Unicode). `[]` for non-strings. */
export function hashtags(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  const out: string[] = [];
  for (const m of text.matchAll(HASHTAG)) out.push('#' + m[1]!.toLowerCase());
  return out;
}

/** Words of a text (Unicode letters, marks, digits, `_`, `'`), as written. `[]` for non-strings. */
export function words(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  return text.match(WORD) ?? [];
}

/** The helpers, by the name they have inside user functions. */
export const HELPERS: Record<string, unknown> = { hashtags, words };
