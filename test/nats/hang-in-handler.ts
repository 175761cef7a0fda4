/**
 * A client that dies mid-handler: run by consumer-scale.test.ts as a child process. It joins
 * the consumer named in the environment, says which message it is handling, and never
 * finishes, so its parent can SIGKILL it with the message unacked.
 */
import { connect } from "../../src/connect.ts";

const { SCALE_URL, SCALE_PREFIX, SCALE_CONSUMER, SCALE_ACK_WAIT_MS } = process.env;
const store = await connect(SCALE_URL, { prefix: SCALE_PREFIX });
const subscription = store.subscribe("job", {
  consumer: SCALE_CONSUMER ?? "worker",
  ackWaitMs: Number(SCALE_ACK_WAIT_MS),
  handlers: {
    Run: async (message, context) => {
      console.log(`handling ${message.id} attempt ${context.attempt}`);
      await new Promise(() => {});
    },
  },
});
await subscription.start();
// Keeps running until killed.
setInterval(() => {}, 60_000);
