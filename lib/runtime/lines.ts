/** Text lines from a byte stream (API helpers' stdout, the control socket). Replaces @std TextLineStream. */

/**
 * Splits text on "\n" and drops a "\r" before it (also when "\r" and "\n" arrive in different chunks).
 * Empty lines are kept; a last line without a newline is emitted when the input ends.
 */
export class LineSplitter extends TransformStream<string, string> {
  constructor() {
    let rest = "";
    const emit = (c: TransformStreamDefaultController<string>, line: string) =>
      c.enqueue(line.endsWith("\r") ? line.slice(0, -1) : line);
    super({
      transform(chunk, c) {
        let nl = chunk.indexOf("\n");
        if (nl < 0) {
          rest += chunk;
          return;
        }
        // Only the first line of a chunk can continue the previous one: join once, then slice the chunk.
        emit(c, rest + chunk.slice(0, nl));
        let start = nl + 1;
        while ((nl = chunk.indexOf("\n", start)) >= 0) {
          emit(c, chunk.slice(start, nl));
          start = nl + 1;
        }
        rest = chunk.slice(start);
      },
      flush(c) {
        if (rest.length > 0) emit(c, rest);
        rest = "";
      },
    });
  }
}

/**
 * UTF-8 lines of `stream`. Stopping early (break) cancels the stream, so the producer is not left blocked
 * on a full pipe.
 */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncIterable<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).pipeThrough(new LineSplitter()).getReader();
  let finished = false;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
  }
}
