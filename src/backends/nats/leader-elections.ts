/**
 * The server's word that a consumer has a new leader. A consumer's pulls live only in its
 * leader's memory: after a graceful step-down (or a failover the client did not see as a
 * disconnect) the new leader delivers nothing until it is pulled from again. Without this
 * the consume noticed only once two heartbeats had gone missing, 2–3 s after the election;
 * JetStream publishes an advisory in the consumer's account the moment it is elected.
 */
import type { NatsConnection } from "@nats-io/transport-node";

/** JetStream's advisory subject for a consumer's election (stream and consumer names hold no dots). */
export function leaderElectedSubject(stream: string, consumer: string): string {
  return `$JS.EVENT.ADVISORY.CONSUMER.LEADER_ELECTED.${stream}.${consumer}`;
}

/**
 * Calls `elected` on each advisory that `consumer` of `stream` has a new leader, until the
 * returned function is called. A user who may not subscribe to `$JS.EVENT` (a server's
 * permissions) gets no advisories: `denied` is told once, and heartbeats still notice the
 * change, only later.
 */
export function onLeaderElected(
  connection: NatsConnection,
  stream: string,
  consumer: string,
  elected: () => void,
  denied: (error: Error) => void,
): () => void {
  // Throws only on a closed or draining connection: the consume that asks fails with it, and
  // its subscription opens it again as after any failure.
  const subscription = connection.subscribe(leaderElectedSubject(stream, consumer), {
    callback: (error) => {
      if (error === null) elected();
      else denied(error);
    },
  });
  return () => {
    if (!subscription.isClosed()) subscription.unsubscribe();
  };
}
