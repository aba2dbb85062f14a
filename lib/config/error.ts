/**
 * A configuration error. The message always starts with "FILE:LINE: " and then says what was found and
 * what was expected, e.g. "conf.conf:12: 'hold-time' expects a number 0 or 3..65535, got 'abc'".
 */
export class ConfigError extends Error {
  constructor(readonly file: string, readonly line: number, readonly detail: string) {
    super(`${file}:${line}: ${detail}`);
    this.name = "ConfigError";
  }
}
