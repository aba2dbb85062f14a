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

/** Characters that are tokens by themselves. */
const PUNCT = new Set(["[", "]", "(", ")", ",", ";", "{", "}"]);

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

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

/** Only blanks between `from` and the end of the line (or of the text). */
function lineEndsAfter(text: string, from: number): boolean {
  let j = from;
  while (j < text.length && (text[j] === " " || text[j] === "\t" || text[j] === "\r")) j++;
  return j >= text.length || text[j] === "\n";
}

/** Splits `text` into tokens. Throws LexError on an unterminated quote. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let line = 1;
  let i = 0;
  while (i < n) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    if (ch === "\n") {
      line++;
      i++;
      continue;
    }
    if (isSpace(code)) {
      i++;
      continue;
    }
    if (ch === "#") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    // A backslash before the end of the line continues the statement on the next line.
    if (ch === "\\" && lineEndsAfter(text, i + 1)) {
      i++;
      continue;
    }
    if (PUNCT.has(ch)) {
      out.push({ text: ch, line, quoted: false, start: i, end: i + 1 });
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const startLine = line;
      let j = i + 1;
      while (j < n && text[j] !== ch) {
        if (text[j] === "\n") line++;
        j++;
      }
      if (j >= n) throw new LexError(startLine, `unterminated ${ch === '"' ? "double" : "single"} quote`);
      out.push({ text: text.slice(i + 1, j), line: startLine, quoted: true, start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < n) {
      const c = text[j];
      if (isSpace(text.charCodeAt(j)) || PUNCT.has(c) || c === "#" || c === '"' || c === "'") break;
      if (c === "\\" && lineEndsAfter(text, j + 1)) break;
      j++;
    }
    out.push({ text: text.slice(i, j), line, quoted: false, start: i, end: j });
    i = j;
  }
  return out;
}
