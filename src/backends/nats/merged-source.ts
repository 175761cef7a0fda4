/**
 * A subscription's durable and its re-drive feed read as one source. The feed comes later,
 * if ever: `extra.opened` resolves once it is open (redrive-feed.ts opens it only when a
 * re-drive for the consumer exists). Each `next()` takes whichever source has a delivery first; a
 * source is asked for its next delivery only after the previous one was handed out, so
 * neither pulls ahead of the caller. When either ends, both end, and the caller reopens them.
 */
import type { ConsumerSource, Delivery } from "../../backend.ts";

interface Pulled {
  readonly from: AsyncIterator<Delivery>;
  readonly result: IteratorResult<Delivery>;
}

/** A source that may open later: `opened` resolves with it, or `undefined` once cancelled. */
export interface LateSource {
  readonly opened: Promise<ConsumerSource | undefined>;
  /** Stop waiting for it; `opened` then resolves soon. */
  cancel(): void;
}

export function mergeSources(main: ConsumerSource, extra: LateSource): ConsumerSource {
  let closed = false;
  const close = async (): Promise<void> => {
    closed = true;
    extra.cancel();
    const late = extra.opened.then((source) => source?.close()).catch(() => {});
    await Promise.all([main.close(), late]);
  };
  async function* deliveries(): AsyncGenerator<Delivery> {
    const waiting = new Map<AsyncIterator<Delivery>, Promise<Pulled>>();
    const pull = (from: AsyncIterator<Delivery>): void => {
      waiting.set(
        from,
        from.next().then((result) => ({ from, result })),
      );
    };
    pull(main[Symbol.asyncIterator]());
    // The feed joins the race once it is open; until then it never wins.
    let joining: Promise<Pulled | undefined> | undefined = extra.opened.then(
      (source) => {
        if (source === undefined || closed) return undefined;
        pull(source[Symbol.asyncIterator]());
        return undefined;
      },
      () => undefined,
    );
    try {
      while (waiting.size > 0) {
        const racing: Promise<Pulled | undefined>[] = [...waiting.values()];
        if (joining !== undefined) racing.push(joining);
        const pulled = await Promise.race(racing);
        if (pulled === undefined) {
          joining = undefined;
          continue;
        }
        waiting.delete(pulled.from);
        // One source ended (its consume was lost): end both, so the caller reopens them together.
        if (pulled.result.done === true) break;
        yield pulled.result.value;
        pull(pulled.from);
      }
    } finally {
      void close();
    }
  }
  const merged: ConsumerSource = {
    [Symbol.asyncIterator]: deliveries,
    close,
  };
  const status = main.status?.bind(main);
  return status === undefined ? merged : { ...merged, status };
}
