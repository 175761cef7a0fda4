/**
 * Which messages the servers sent to a consumer's pulls at all. A message "lost on its way"
 * (handled only after the ack wait, on its second delivery) was either never sent, though the
 * server counted the delivery, or sent and dropped in the client. A core subscription to every
 * inbox sees each delivery a pull gets, as the subscribing client does: one such tap on each
 * node, so a killed node's tap leaves the others. A first delivery that no tap saw was never
 * sent by the cluster.
 */
import { connect as connectNats, type NatsConnection } from "@nats-io/transport-node";
import { deliveryFactsOf } from "../../src/backends/nats/reply-subject.ts";

export interface InboxTap {
  /** Whether any node passed on a first delivery of the message with this id. */
  sentFirst(id: string): boolean;
  stop(): Promise<void>;
}

/** Taps `_INBOX.>` on each of `urls` (one node each) until `stop()`. */
export async function tapInboxes(urls: readonly string[]): Promise<InboxTap> {
  const firstDeliveries = new Set<string>();
  const connections: NatsConnection[] = [];
  for (const url of urls) {
    const connection = await connectNats({
      servers: url,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    connection.subscribe("_INBOX.>", {
      callback: (_error, message) => {
        if (deliveryFactsOf(message.reply)?.deliveryCount !== 1) return;
        try {
          firstDeliveries.add((message.json() as { id: string }).id);
        } catch {
          // Not one of the workload's messages.
        }
      },
    });
    await connection.flush();
    connections.push(connection);
  }
  return {
    sentFirst: (id) => firstDeliveries.has(id),
    async stop() {
      await Promise.all(connections.map((connection) => connection.close()));
    },
  };
}
