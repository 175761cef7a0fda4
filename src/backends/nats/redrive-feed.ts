/**
 * When a subscription with a dead-letter category opens its re-drive durable (redrive.ts):
 * only once a re-drive for it exists. Opening it at every start doubled the durables on the
 * server, and created the dead-letter stream, for subscriptions that are never re-driven.
 *
 * Until then the feed watches the consumer's re-drive subjects with a plain subscription
 * (interest only, nothing stored on the server) and looks once for a re-drive already waiting.
 * The watch starts before the look, so a re-drive published in between is not missed.
 */
import type { Subscription } from "@nats-io/transport-node";
import type { ConsumerSpec } from "../../backend.ts";
import { openNatsConsumer } from "./consumer.ts";
import type { NatsContext } from "./context.ts";
import type { LateSource } from "./merged-source.ts";
import { redrivePlace } from "./redrive.ts";

export function redriveFeed(nats: NatsContext, spec: ConsumerSpec, deadLetter: string): LateSource {
  const place = redrivePlace(nats, spec, deadLetter);
  let cancelled = false;
  let wake: () => void = () => {};
  const needed = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const watches: Subscription[] = [];
  const stopWatching = (): void => {
    for (const watch of watches.splice(0)) watch.unsubscribe();
  };
  const opened = (async () => {
    try {
      for (const filter of place.filters) {
        watches.push(nats.connection.subscribe(filter, { callback: () => wake() }));
      }
      if (await redriveWaiting(nats, deadLetter, place.filters)) wake();
      await needed;
    } finally {
      stopWatching();
    }
    if (cancelled) return undefined;
    nats.options.logger.debug(
      { consumer: spec.consumer, deadLetter },
      "a re-drive exists; opening the re-drive feed",
    );
    // Its re-drive durable always reads every waiting message, whatever `startAt` says.
    return openNatsConsumer(nats, { ...spec, startAt: undefined }, place);
  })();
  return {
    opened,
    cancel() {
      cancelled = true;
      wake();
    },
  };
}

/** `true` when a message waits on one of `filters` in the dead-letter category's stream. */
async function redriveWaiting(
  nats: NatsContext,
  deadLetter: string,
  filters: readonly string[],
): Promise<boolean> {
  const storage = await nats.storageFor(deadLetter, false);
  if (storage === undefined) return false;
  for (const filter of filters) {
    const found = await nats.manager.streams
      .getMessage(storage, { last_by_subj: filter })
      .catch(() => null);
    if (found !== null && found !== undefined) return true;
  }
  return false;
}
