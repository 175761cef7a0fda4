/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (never in pipes,
 * files or tests), plus the totals line printed at the end either way.
 */

const REDRAW_MS = 100;
/**
 * How long progress must have been measured before an ETA is shown. The first message costs
 * the connection's warm-up, so an ETA from it alone reads as minutes for a job of seconds.
 */
const ETA_AFTER_MS = 1000;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  return minutes > 0 ? `${minutes}m${String(whole % 60).padStart(2, "0")}s` : `${whole}s`;
}

export class Progress {
  readonly #stream: Pick<NodeJS.WriteStream, "isTTY" | "write">;
  readonly #label: string;
  readonly #draw: boolean;
  readonly #now: () => number;
  readonly #startedAt: number;
  #count = 0;
  #fraction: number | undefined;
  /** When the first known fraction came, and what it was: the ETA measures from there. */
  #measuredFrom: { at: number; fraction: number } | undefined;
  #drawnAt = Number.NEGATIVE_INFINITY;

  constructor(
    stream: Pick<NodeJS.WriteStream, "isTTY" | "write">,
    label: string,
    enabled: boolean,
    /** Milliseconds; tests pass their own clock. @default performance.now */
    now: () => number = () => performance.now(),
  ) {
    this.#stream = stream;
    this.#label = label;
    this.#draw = enabled && stream.isTTY === true;
    this.#now = now;
    this.#startedAt = now();
  }

  get count(): number {
    return this.#count;
  }

  get seconds(): number {
    return (this.#now() - this.#startedAt) / 1000;
  }

  /** Messages per second so far. */
  get rate(): number {
    return this.seconds > 0 ? this.#count / this.seconds : 0;
  }

  /** Count `n` more done; `fraction` (0–1) of all the work, when known, gives the ETA. */
  advance(n: number, fraction?: number): void {
    this.#count += n;
    if (fraction !== undefined) {
      this.#fraction = fraction;
      this.#measuredFrom ??= { at: this.#now(), fraction };
    }
    if (!this.#draw) return;
    const now = this.#now();
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
      parts.unshift(`[${"#".repeat(filled)}${"-".repeat(width - filled)}]`);
      const remaining = this.#remainingSeconds(fraction);
      if (remaining !== undefined) parts.push(`ETA ${duration(remaining)}`);
    }
    return parts.join("  ");
  }

  /** From the rate since the first fraction, once it has been measured long enough. */
  #remainingSeconds(fraction: number): number | undefined {
    const from = this.#measuredFrom;
    if (from === undefined) return undefined;
    const elapsedMs = this.#now() - from.at;
    const done = fraction - from.fraction;
    if (elapsedMs < ETA_AFTER_MS || done <= 0) return undefined;
    return ((elapsedMs / 1000) * (1 - fraction)) / done;
  }
}

/** The closing line: `exported 100000 messages in 8.2s (12237/s)`. */
export function totalsLine(verb: string, progress: Progress): string {
  const seconds = progress.seconds;
  return `${verb} ${progress.count} messages in ${seconds.toFixed(1)}s (${Math.round(progress.rate)}/s)`;
}
