#!/usr/bin/env node
/**
 * Renders docs/dstream.1.md to man/dstream.1 (run by `npm run build`).
 *
 * A small Markdown-to-roff converter for the subset the man page uses, with
 * no dependencies. marked-man was tried first: on this page it left HTML
 * entities in code spans (`&#39;l => ...&quot;`), put `.P` right after `.SH`
 * and a `.TH` date mandoc cannot parse (mandoc -Tlint warnings), wrote options
 * as bullet lists instead of tagged paragraphs, and kept long input lines;
 * post-processing its output would have been more code than this.
 *
 * The subset (anything else is an error, with its line number):
 *
 *   <!-- date: 2026-11-29 -->          metadata before the title: date (YYYY-MM-DD),
 *                                      manual (default "User Commands"); other
 *                                      one-line <!-- comments --> are skipped
 *   # name(1) -- one-line summary      .TH and the NAME section
 *   ## SECTION / ### Subsection        .SH / .SS
 *   paragraphs                         reflowed; a line ending in a backslash
 *                                      is a hard line break (.br)
 *   * **--flag** *ARG*:                a tagged paragraph (.TP): the item's first
 *     description, indented            line, ending in ':', is the tag; further
 *                                      indented paragraphs continue it (.IP)
 *   * text                             a bullet (.IP \(bu)
 *   ```  fenced code  ```              no-fill block (.nf/.fi), indented
 *
 * Inline: **bold** (literal text: commands, flags, values), *italic*
 * (placeholders), `code` (literal, shown bold), and backslash escapes
 * (\* \` \\ \_). In literal text every '-' is a minus (\-) so that flags can be
 * copied and searched; in prose only a '-' starting a word is.
 * Output lines are at most 80 bytes, one sentence per line where possible,
 * so `mandoc -Tlint` has nothing to say.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_LINE = 80;

/** Named roff glyphs for the non-ASCII characters the page uses; others become \[uXXXX]. */
const GLYPHS = new Map([
  ['\u2014', '\\(em'], ['\u2013', '\\(en'], ['\u2265', '\\(>='], ['\u2264', '\\(<='], ['\u00b1', '\\(+-'],
  ['\u00d7', '\\(mu'], ['\u2192', '\\(->'], ['\u2190', '\\(<-'], ['\u2212', '\\-'], ['\u00b7', '\\[pc]'],
  ['\u2018', '\\(oq'], ['\u2019', '\\(cq'], ['\u201c', '\\(lq'], ['\u201d', '\\(rq'], ['\u2026', '.\\|.\\|.'],
  ['\u00a0', '\\ '], ['\u00b0', '\\(de'],
]);

/** Abbreviations after which a period does not end a sentence. */
const ABBREVIATIONS = /(?:^|[\s(])(?:e\.g|i\.e|etc|vs|cf|approx)\.$/;

class MarkdownError extends Error {
  constructor(line, message) {
    super(`docs/dstream.1.md:${line}: ${message}`);
  }
}

/** Escapes one character of text for roff. `literal`: part of something typed (all '-' are minus). */
function escapeChar(ch, prev, literal) {
  if (ch === '\\') return '\\e';
  if (ch === '-') return literal || !/[\p{L}\p{N}]/u.test(prev ?? '') ? '\\-' : '-';
  const code = ch.codePointAt(0);
  if (code < 0x80) return ch;
  const named = GLYPHS.get(ch);
  if (named) return named;
  return `\\[u${code.toString(16).toUpperCase().padStart(4, '0')}]`;
}

/**
 * Converts inline Markdown to roff text (one logical line, no newlines).
 * Fonts nest: **hashtags(*text*)** gives \fBhashtags(\fItext\fB)\fR.
 */
function inline(src, lineNo) {
  let out = '';
  const fonts = []; // stack of 'B' / 'I'
  const current = () => (fonts.length ? fonts[fonts.length - 1] : 'R');
  const literal = () => fonts.includes('B');
  let prev; // previous source character, for hyphen handling
  const isSpace = (c) => c === undefined || /\s/.test(c);
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (ch === '\\' && i + 1 < src.length && /[\\`*_{}[\]()#+\-.!<>|~]/.test(src[i + 1])) {
      out += escapeChar(src[i + 1], prev, literal());
      prev = src[i + 1];
      i++;
      continue;
    }
    if (ch === '`') {
      const ticks = /^`+/.exec(src.slice(i))[0];
      const end = src.indexOf(ticks, i + ticks.length);
      if (end === -1) throw new MarkdownError(lineNo, `unclosed code span: ${src.slice(i, i + 30)}`);
      let code = src.slice(i + ticks.length, end);
      if (code.startsWith(' ') && code.endsWith(' ') && code.trim()) code = code.slice(1, -1);
      out += '\\fB';
      let p;
      for (const c of code) {
        out += escapeChar(c, p, true);
        p = c;
      }
      out += `\\f${current()}`;
      prev = code[code.length - 1];
      i = end + ticks.length - 1;
      continue;
    }
    if (ch === '*') {
      // A run of stars: first close what it can (italic with one star, bold with two),
      // then open with the rest (bold, then italic) if text follows without a space.
      let run = /^\*+/.exec(src.slice(i))[0].length;
      const before = src[i - 1];
      const after = src[i + run];
      while (run > 0 && fonts.length && !isSpace(before)) {
        if (current() === 'I') run -= 1;
        else if (run >= 2) run -= 2;
        else break;
        fonts.pop();
        out += `\\f${current()}`;
      }
      if (run > 0 && !isSpace(after)) {
        if (run >= 2) {
          fonts.push('B');
          out += '\\fB';
          run -= 2;
        }
        if (run === 1) {
          fonts.push('I');
          out += '\\fI';
          run -= 1;
        }
      }
      if (run === 1 && isSpace(before) && isSpace(after)) {
        out += '*'; // a lone '*' between spaces
        run = 0;
      }
      if (run > 0) throw new MarkdownError(lineNo, `stray '*': ${src.slice(Math.max(0, i - 20), i + 20)}`);
      i += /^\*+/.exec(src.slice(i))[0].length - 1;
      continue;
    }
    if (ch === '<' && /^<\/?[a-zA-Z][^>]*>/.test(src.slice(i))) {
      throw new MarkdownError(lineNo, `HTML is not supported: ${src.slice(i, i + 30)}`);
    }
    out += escapeChar(ch, prev, literal());
    prev = ch;
  }
  if (fonts.length) throw new MarkdownError(lineNo, `unclosed ${fonts.map((f) => (f === 'B' ? '**' : '*')).join(' ')} in: ${src}`);
  return out.replace(/\\f[BIRP](?=\\f[BIRP])/g, ''); // only the last of adjacent font changes counts
}

/** Ends a sentence: the roff text ends with . ! or ? (then closing marks or a font change). */
function endsSentence(text) {
  const t = text.replace(/(?:\\f[BIRP])+$/, '');
  return /[.!?][)\]"'’]*$/.test(t) && !ABBREVIATIONS.test(t.replace(/[)\]"']+$/, ''));
}

/** Starts a sentence: an uppercase letter (perhaps after a font change or an opening mark), or a bold or italic word. */
function startsSentence(word) {
  return /^(?:\\f[BI]|(?:\\f[BIRP])*[("']?[A-Z])/.test(word);
}

/**
 * Turns a paragraph's roff text into input lines: one sentence per line, lines
 * at most MAX_LINE bytes, no line starting with a control character, and \&
 * after a period that ends a line but not a sentence.
 */
function fill(text) {
  const words = text.split(/\s+/).filter(Boolean);
  const lines = [];
  let line = '';
  for (let w = 0; w < words.length; w++) {
    const word = words[w];
    // 4 bytes spare for a \& at either end.
    if (line && line.length + 1 + word.length > MAX_LINE - 4) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
    const next = words[w + 1];
    if (next !== undefined && endsSentence(word) && startsSentence(next)) {
      lines.push(line);
      line = '';
    }
  }
  if (line) lines.push(line);
  return lines.map((l, i) => {
    // roff takes a line ending in . ! or ? as the end of a sentence (two spaces after it).
    const genuine = endsSentence(l) && (i === lines.length - 1 || startsSentence(lines[i + 1]));
    const looksLikeEnd = /[.!?][)\]"']*(?:\\f[BIRP])*$/.test(l);
    return (/^[.']/.test(l) ? `\\&${l}` : l) + (looksLikeEnd && !genuine ? '\\&' : '');
  });
}

/** Roff for a paragraph given as source lines (hard breaks: a trailing backslash). */
function paragraph(lines) {
  const out = [];
  let chunk = [];
  const flush = (lineNo) => {
    if (!chunk.length) return;
    out.push(...fill(inline(chunk.map((l) => l.text.trim()).join(' '), lineNo)));
    chunk = [];
  };
  for (const l of lines) {
    const hard = /(?<!\\)\\$/.test(l.text);
    chunk.push({ ...l, text: hard ? l.text.replace(/\\$/, '') : l.text });
    if (hard) {
      flush(l.no);
      out.push('.br');
    }
  }
  flush(lines[lines.length - 1].no);
  if (out[out.length - 1] === '.br') out.pop();
  return out;
}

function codeBlock(lines) {
  const body = lines.map((l) => {
    let s = '';
    for (const ch of l) s += escapeChar(ch, undefined, true);
    return /^[.']/.test(s) ? `\\&${s}` : s;
  });
  return ['.RS 4', '.nf', ...body, '.fi', '.RE'];
}

/** Section heading text for .SH/.SS: quoted when it has spaces. */
function headingText(text, lineNo) {
  const t = inline(text.trim(), lineNo);
  return /\s/.test(t) ? `"${t.replace(/"/g, '\\(dq')}"` : t;
}

/**
 * Renders the Markdown man page source to roff.
 * @param {string} markdown
 * @param {{ version?: string }} [options] version shown in the footer, as "name version"
 * @returns {string}
 */
export function renderMan(markdown, options = {}) {
  const src = markdown.replace(/\r\n?/g, '\n').split('\n').map((text, i) => ({ text, no: i + 1 }));
  const meta = { manual: 'User Commands' };
  const out = [];
  let title;
  // 'start' right after .SH/.SS (no paragraph macro needed), 'text' after a paragraph,
  // 'list' after list items (a paragraph must end the indentation with .PP).
  let state = 'start';
  const para = () => {
    if (state !== 'start') out.push('.PP');
  };
  let i = 0;
  const blank = (l) => l === undefined || l.text.trim() === '';
  const indented = (l) => l !== undefined && /^ {2,}\S/.test(l.text);
  while (i < src.length) {
    const line = src[i];
    const text = line.text;
    if (!text.trim()) {
      i++;
      continue;
    }
    const comment = /^<!--(.*)-->\s*$/.exec(text);
    if (comment) {
      const m = /^\s*(date|manual):\s*(.*?)\s*$/.exec(comment[1]);
      if (m && !title) meta[m[1]] = m[2];
      i++;
      continue;
    }
    const h1 = /^# (\S+)\((\w+)\) -- (.+)$/.exec(text);
    if (h1) {
      if (title) throw new MarkdownError(line.no, 'a second title');
      title = { name: h1[1], section: h1[2], summary: h1[3] };
      if (!/^\d{4}-\d{2}-\d{2}$/.test(meta.date ?? '')) throw new MarkdownError(line.no, 'the title needs <!-- date: YYYY-MM-DD --> before it');
      const version = options.version ? `${title.name} ${options.version}` : title.name;
      out.push(`.TH ${title.name.toUpperCase()} ${title.section} ${meta.date} "${version}" "${meta.manual}"`);
      // Left-adjusted, not justified: justifying widens the spaces inside examples (`l.split("  ")`), which changes their meaning when copied.
      out.push('.ad l');
      out.push('.SH NAME', `${inline(title.name, line.no)} \\- ${inline(title.summary, line.no)}`);
      state = 'text';
      i++;
      continue;
    }
    if (!title) throw new MarkdownError(line.no, 'the first line must be the title: # name(1) -- summary');
    const h = /^(#{2,3}) (.+)$/.exec(text);
    if (h) {
      out.push(`${h[1].length === 2 ? '.SH' : '.SS'} ${headingText(h[2], line.no)}`);
      state = 'start';
      i++;
      continue;
    }
    if (/^#/.test(text)) throw new MarkdownError(line.no, `unsupported heading: ${text}`);
    if (/^```/.test(text)) {
      const body = [];
      i++;
      while (i < src.length && !/^```\s*$/.test(src[i].text)) body.push(src[i++].text);
      if (i === src.length) throw new MarkdownError(line.no, 'unclosed code block');
      i++;
      para();
      out.push(...codeBlock(body));
      state = 'text';
      continue;
    }
    const item = /^[*-] +(.*)$/.exec(text);
    if (item) {
      // The item: its first line, then indented lines; a blank line followed by an
      // indented line starts a further paragraph of the same item.
      const paras = [[{ text: item[1], no: line.no }]];
      i++;
      while (i < src.length) {
        if (indented(src[i])) {
          paras[paras.length - 1].push(src[i++]);
        } else if (blank(src[i])) {
          let j = i;
          while (j < src.length && blank(src[j])) j++;
          if (!indented(src[j])) break;
          paras.push([]);
          i = j;
        } else break;
      }
      const first = paras[0];
      const tagged = /:\s*$/.test(first[0].text);
      if (tagged) {
        const tag = first.shift();
        // .TP takes the one next line as the tag: never wrapped.
        let tagLine = inline(tag.text.replace(/:\s*$/, '').trim(), tag.no);
        if (/^[.']/.test(tagLine)) tagLine = `\\&${tagLine}`;
        if (tagLine.length > MAX_LINE) throw new MarkdownError(tag.no, `tag longer than ${MAX_LINE} bytes in roff: ${tag.text}`);
        out.push('.TP', tagLine);
        if (!first.length) throw new MarkdownError(tag.no, 'a tagged item needs its description on the next, indented line');
        out.push(...paragraph(first));
      } else {
        out.push('.IP \\(bu 2', ...paragraph(first));
      }
      for (const p of paras.slice(1)) {
        if (/^\s*(?:[*-] |```|#)/.test(p[0].text)) throw new MarkdownError(p[0].no, 'nested blocks in list items are not supported');
        out.push('.IP', ...paragraph(p));
      }
      state = 'list';
      continue;
    }
    if (/^(?:>|\||\d+\.\s| {4}|\t)/.test(text)) throw new MarkdownError(line.no, `unsupported Markdown: ${text}`);
    const lines = [];
    while (i < src.length && !blank(src[i]) && !/^(?:#|```|[*-] |<!--)/.test(src[i].text)) lines.push(src[i++]);
    para();
    out.push(...paragraph(lines));
    state = 'text';
  }
  if (!title) throw new MarkdownError(1, 'no title');
  return out.join('\n') + '\n';
}

/** Builds man/<name>.<section> from docs/<name>.<section>.md. */
function main() {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const source = resolve(root, 'docs/dstream.1.md');
  const target = resolve(root, 'man/dstream.1');
  const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
  const roff = renderMan(readFileSync(source, 'utf8'), { version: pkg.version });
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, roff);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`build-man: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
