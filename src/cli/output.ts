/**
 * Writing lines to stdout (or a file) at the speed of the reader: writes wait for `drain`,
 * so exporting a million messages into a slow pipe holds them in the store, not in memory.
 */
import type { Writable } from "node:stream";

/** Batches small writes; a `write` that fills the buffer waits until the sink drains. */
export class LineWriter {
  readonly #sink: Writable;
  #buffer: string[] = [];
  #bufferedChars = 0;

  constructor(sink: Writable) {
    this.#sink = sink;
  }

  async line(text: string): Promise<void> {
    this.#buffer.push(text, "\n");
    this.#bufferedChars += text.length + 1;
    if (this.#bufferedChars >= 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const chunk = this.#buffer.join("");
    this.#buffer = [];
    this.#bufferedChars = 0;
    // A sink that failed (a full disk) never drains again; its error is the answer.
    if (this.#sink.errored !== null) throw this.#sink.errored;
    if (!this.#sink.write(chunk)) await waitForDrain(this.#sink);
  }
}

function waitForDrain(sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      sink.off("error", onError);
      resolve();
    };
    const onError = (error: Error): void => {
      sink.off("drain", onDrain);
      reject(error);
    };
    sink.once("drain", onDrain);
    sink.once("error", onError);
  });
}

/**
 * `mstore read … | head` closes stdout early. That is the reader saying "enough", not a
 * failure: exit 0 without a trace.
 */
export function exitQuietlyOnClosedPipe(stream: Writable): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") process.exit(0);
    throw error;
  });
}
