/**
 * Escaping of peer-controlled strings (hostname, domain, software version, shutdown text, operational
 * advisories, unknown bytes) before they reach a line-based API. ExaBGP 5.0.11/5.0.13 had to fix
 * hostnames and shutdown texts that forged whole events: here no peer string can ever produce a raw line
 * break, a control character or an unbalanced quote/bracket in an event.
 */

/**
 * Characters that some line readers treat as line breaks or that terminals act upon, beyond what
 * JSON.stringify escapes: DEL, the C1 controls (NEL U+0085 among them: Python's str.splitlines() splits on
 * it) and the Unicode line/paragraph separators (U+2028/U+2029, which also end a line in JavaScript
 * source and in splitlines()).
 */
const JSON_EXTRA = /[\u007f-\u009f\u2028\u2029]/g;

function unicodeEscape(c: string): string {
  return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
}

/**
 * A JSON string literal, quotes included (RFC 8259 §7): `"`, `\` and every control character escaped, and
 * also DEL, C1 controls and U+2028/U+2029, so the result is one safe line. Lone surrogates come out as
 * \uDXXX (well-formed JSON.stringify).
 */
export function jsonString(s: string): string {
  // Printable ASCII without `"` or `\` (addresses, names): quoted as it is, as JSON.stringify would.
  let plain = true;
  for (let i = 0; i < s.length && plain; i++) {
    const c = s.charCodeAt(i);
    plain = c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c;
  }
  if (plain) return `"${s}"`;
  const quoted = JSON.stringify(s);
  JSON_EXTRA.lastIndex = 0;
  return JSON_EXTRA.test(quoted) ? quoted.replace(JSON_EXTRA, unicodeEscape) : quoted;
}

/** `jsonString`, or `null` for an absent/empty value (ExaBGP prints null for an unset hostname). */
export function jsonStringOrNull(s: string | undefined): string {
  return s === undefined || s === "" ? "null" : jsonString(s);
}

/** Characters a bare text-event word may hold: nothing that separates, quotes, brackets or lists. */
const TEXT_SAFE = /^[A-Za-z0-9._:/@+=%#~-]+$/;

// deno-lint-ignore no-control-regex
const TEXT_ESCAPE = /[\u0000-\u001f"\\\u007f-\u009f\u2028\u2029]/g;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  '"': '\\"',
  "\\": "\\\\",
};

function textEscapeChar(c: string): string {
  const short = SHORT_ESCAPES[c];
  if (short !== undefined) return short;
  const code = c.charCodeAt(0);
  return code < 0x100 ? "\\x" + code.toString(16).padStart(2, "0") : unicodeEscape(c);
}

/**
 * Free text placed inside a text event (a `down` reason, a notification message): control characters,
 * line breaks, `"` and `\` become backslash escapes, so the text stays on its line. Spaces are kept.
 */
export function textEscape(s: string): string {
  TEXT_ESCAPE.lastIndex = 0;
  return TEXT_ESCAPE.test(s) ? s.replace(TEXT_ESCAPE, textEscapeChar) : s;
}

/** A quoted text-event string: `"` + textEscape(s) + `"` (operational advisories are printed quoted). */
export function textQuoted(s: string): string {
  return `"${textEscape(s)}"`;
}

/**
 * One word of a text event (a hostname inside `capabilities [...]`): bare when it holds only safe
 * characters, otherwise quoted and escaped, so spaces, commas, brackets, parentheses, quotes or line
 * breaks in a peer's string can neither split the word nor close the list. The empty string is `""`.
 */
export function textWord(s: string): string {
  return TEXT_SAFE.test(s) ? s : textQuoted(s);
}

const HEX_DIGITS = "0123456789ABCDEF";

/** Upper-case hex of bytes, as ExaBGP prints header/body/data ("FFFF…"). */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX_DIGITS[bytes[i] >> 4] + HEX_DIGITS[bytes[i] & 15];
  return s;
}
