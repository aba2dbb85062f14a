/**
 * Groups configuration tokens into ExaBGP's statement tree (exabgp-behaviour.md §5.1): words up to `;` are
 * a statement, words followed by `{ … }` a block whose children are statements again.
 *
 * Two leniencies match what ExaBGP 5.0 accepts in its own test configurations: a `}` with no open block
 * at the top level (etc/conf-extended-attributes.conf) and blocks still open at the end of the file
 * (etc/conf-split.conf). Both are reported as warnings, not errors.
 */
import { isPunct, type Token } from "./tokenizer.ts";
import { ConfigError } from "./error.ts";

export interface Statement {
  /** The words before `;` or `{`, commas removed (they are optional list separators). */
  readonly words: Token[];
  /** Line of the first word (or of the `{` for a block without words). */
  readonly line: number;
  /** Children when the statement opened a `{ … }` block. */
  readonly block?: Statement[];
}

export interface StatementTree {
  readonly statements: Statement[];
  readonly warnings: string[];
}

export function readStatements(tokens: readonly Token[], file: string): StatementTree {
  const warnings: string[] = [];
  // A stack of open blocks: the children being filled and the token that opened each.
  const stack: { children: Statement[]; open?: Token }[] = [{ children: [] }];
  let words: Token[] = [];
  for (const t of tokens) {
    const top = stack[stack.length - 1];
    if (isPunct(t, ",")) continue;
    if (isPunct(t, ";")) {
      if (words.length) top.children.push({ words, line: words[0].line });
      words = [];
    } else if (isPunct(t, "{")) {
      const block: Statement[] = [];
      top.children.push({ words, line: words.length ? words[0].line : t.line, block });
      stack.push({ children: block, open: t });
      words = [];
    } else if (isPunct(t, "}")) {
      // Words before '}' without ';' are taken as the block's last statement, as ExaBGP does.
      if (words.length) top.children.push({ words, line: words[0].line });
      words = [];
      if (stack.length === 1) warnings.push(`${file}:${t.line}: '}' closes no block, ignored`);
      else stack.pop();
    } else {
      words.push(t);
    }
  }
  if (words.length) {
    throw new ConfigError(
      file,
      words[0].line,
      `'${words.map((w) => w.text).join(" ")}' is not terminated, expected ';' or '{'`,
    );
  }
  for (let i = stack.length - 1; i > 0; i--) {
    warnings.push(
      `${file}:${stack[i].open!.line}: block opened here is not closed before the end of the file`,
    );
  }
  return { statements: stack[0].children, warnings };
}
