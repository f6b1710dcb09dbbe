/**
 * The naive reference of LineSplitter: lines of a whole input and the byte
 * offset after each (LF ends a line; a CR before LF, or ending a last line
 * without LF, is dropped; invalid UTF-8 becomes U+FFFD).
 */
export function naiveLines(input: Buffer): { lines: string[]; ends: number[] } {
  const lines: string[] = [];
  const ends: number[] = [];
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== 10) continue;
    const e = i > start && input[i - 1] === 13 ? i - 1 : i;
    lines.push(input.toString('utf8', start, e));
    ends.push(i + 1);
    start = i + 1;
  }
  if (start < input.length) {
    const e = input[input.length - 1] === 13 ? input.length - 1 : input.length; // as the splitter's end()
    lines.push(input.toString('utf8', start, e));
    ends.push(input.length);
  }
  return { lines, ends };
}
