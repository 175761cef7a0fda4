/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (never in pipes,
 * files or tests), plus the totals line printed at the end either way.
 */

const REDRAW_MS = 100;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  return minutes > 0 ? `${minutes}m${String(whole % 60).padStart(2, "0")}s` : `${whole}s`;
}

export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #label: string;
  readonly #draw: boolean;
  readonly #startedAt = performance.now();
  #count = 0;
  #fraction: number | undefined;
  #drawnAt = 0;

  constructor(stream: NodeJS.WriteStream, label: string, enabled: boolean) {
    this.#stream = stream;
    this.#label = label;
    this.#draw = enabled && stream.isTTY === true;
  }

  get count(): number {
    return this.#count;
  }

  get seconds(): number {
    return (performance.now() - this.#startedAt) / 1000;
  }

  /** Messages per second so far. */
  get rate(): number {
    return this.seconds > 0 ? this.#count / this.seconds : 0;
  }

  /** Count `n` more done; `fraction` (0–1) of all the work, when known, gives the ETA. */
  advance(n: number, fraction?: number): void {
    this.#count += n;
    if (fraction !== undefined) this.#fraction = fraction;
    if (!this.#draw) return;
    const now = performance.now();
    if (now - this.#drawnAt < REDRAW_MS) return;
    this.#drawnAt = now;
    this.#stream.write(`\r\x1b[2K${this.#line()}`);
  }

  /** Clears the bar; the caller prints the totals. */
  finish(): void {
    if (this.#draw) this.#stream.write("\r\x1b[2K");
  }

  #line(): string {
    const rate = Math.round(this.rate);
    const parts = [`${this.#label} ${this.#count}`, `${rate}/s`];
    const fraction = this.#fraction;
    if (fraction !== undefined && fraction > 0) {
      const width = 20;
      const filled = Math.min(width, Math.round(fraction * width));
      const remaining = (this.seconds * (1 - fraction)) / fraction;
      parts.unshift(`[${"#".repeat(filled)}${"-".repeat(width - filled)}]`);
      parts.push(`ETA ${duration(remaining)}`);
    }
    return parts.join("  ");
  }
}

/** The closing line: `exported 100000 messages in 4.2s (23810/s)`. */
export function totalsLine(verb: string, progress: Progress): string {
  const seconds = progress.seconds;
  return `${verb} ${progress.count} messages in ${seconds.toFixed(1)}s (${Math.round(progress.rate)}/s)`;
}
