/**
 * Splits a command line into argv the way a POSIX shell would (quote removal, backslash escapes), without
 * running a shell: no expansion of variables, globs or command substitution. Used for `run` lines.
 */

export class ShellWordsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShellWordsError";
  }
}

/** "a 'b c' \"d\\\"e\" f\\ g" → ["a", "b c", "d\"e", "f g"]. Throws ShellWordsError on an open quote. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  const n = line.length;
  for (let i = 0; i < n; i++) {
    const c = line[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "\\") {
      // POSIX: backslash-newline is a line continuation; otherwise the next character is literal.
      if (i + 1 < n) {
        if (line[i + 1] === "\n") {
          i++;
          if (word === "") inWord = false;
          continue;
        }
        word += line[++i];
      }
      continue;
    }
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) throw new ShellWordsError(`unterminated single quote in: ${line}`);
      word += line.slice(i + 1, close);
      i = close;
      continue;
    }
    if (c === '"') {
      // Inside double quotes a backslash escapes only $ ` " \ and newline (POSIX 2.2.3).
      let j = i + 1;
      for (; j < n && line[j] !== '"'; j++) {
        if (line[j] === "\\" && j + 1 < n && '$`"\\\n'.includes(line[j + 1])) {
          j++;
          if (line[j] !== "\n") word += line[j];
          continue;
        }
        word += line[j];
      }
      if (j >= n) throw new ShellWordsError(`unterminated double quote in: ${line}`);
      i = j;
      continue;
    }
    word += c;
  }
  if (inWord) words.push(word);
  return words;
}
