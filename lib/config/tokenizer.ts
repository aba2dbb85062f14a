/**
 * ExaBGP's configuration lexer (exabgp-behaviour.md §5.1): whitespace separates words, "…" and '…'
 * quote, `[ ] ( ) ,` are tokens of their own, `;` `{` `}` end a statement, `#` starts a comment to the end
 * of the line, and a `\` at the end of a line joins the next one. Every token keeps its line number and its
 * offsets in the source (the `run` statement re-reads the raw text with shell rules).
 */

export interface Token {
  /** The word, without its quotes. */
  readonly text: string;
  readonly line: number;
  /** Written in quotes: never a keyword or punctuation. */
  readonly quoted: boolean;
  /** Offsets in the source text: [start, end). */
  readonly start: number;
  readonly end: number;
}

/** Character classes, indexed by char code (< 128); the tokenizer's hot loop reads only this table. */
const WORD = 0, SPACE = 1, PUNCT = 2, QUOTE = 3, HASH = 4, BACKSLASH = 5, NEWLINE = 6;
const CLASS = new Uint8Array(128);
for (const c of " \t\r\f\v") CLASS[c.charCodeAt(0)] = SPACE;
for (const c of "[](),;{}") CLASS[c.charCodeAt(0)] = PUNCT;
CLASS[34] = QUOTE; // "
CLASS[39] = QUOTE; // '
CLASS[35] = HASH;
CLASS[92] = BACKSLASH;
CLASS[10] = NEWLINE;

function classOf(code: number): number {
  return code < 128 ? CLASS[code] : WORD;
}

/** A token that is punctuation `p` (never a quoted word). */
export function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && !t.quoted && t.text === p;
}

export class LexError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
    this.name = "LexError";
  }
}

/** Only blanks between `from` and the end of the line (or of the text). */
function lineEndsAfter(text: string, from: number): boolean {
  let j = from;
  while (j < text.length && classOf(text.charCodeAt(j)) === SPACE) j++;
  return j >= text.length || text.charCodeAt(j) === 10;
}

/** Splits `text` into tokens. Throws LexError on an unterminated quote. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let line = 1;
  let i = 0;
  while (i < n) {
    const code = text.charCodeAt(i);
    switch (classOf(code)) {
      case NEWLINE:
        line++;
        i++;
        continue;
      case SPACE:
        i++;
        continue;
      case HASH:
        while (i < n && text.charCodeAt(i) !== 10) i++;
        continue;
      case PUNCT:
        out.push({ text: text[i], line, quoted: false, start: i, end: i + 1 });
        i++;
        continue;
      case QUOTE: {
        const startLine = line;
        let j = i + 1;
        while (j < n && text.charCodeAt(j) !== code) {
          if (text.charCodeAt(j) === 10) line++;
          j++;
        }
        if (j >= n) throw new LexError(startLine, `unterminated ${code === 34 ? "double" : "single"} quote`);
        out.push({ text: text.slice(i + 1, j), line: startLine, quoted: true, start: i, end: j + 1 });
        i = j + 1;
        continue;
      }
      case BACKSLASH:
        // A backslash before the end of the line continues the statement on the next line.
        if (lineEndsAfter(text, i + 1)) {
          i++;
          continue;
        }
    }
    let j = i + 1;
    for (; j < n; j++) {
      const k = classOf(text.charCodeAt(j));
      if (k === WORD) continue;
      if (k !== BACKSLASH || lineEndsAfter(text, j + 1)) break;
    }
    out.push({ text: text.slice(i, j), line, quoted: false, start: i, end: j });
    i = j;
  }
  return out;
}

/** Tokens for words that were already split (e.g. by the API's own reader), all on one line. */
export function wordsToTokens(words: readonly string[], line = 1): Token[] {
  return words.map((text) => ({ text, line, quoted: false, start: 0, end: 0 }));
}
