/**
 * The tour: a bank account written, read, folded and subscribed to.
 *
 *   npm run demo                                  # embedded memory backend, no server
 *   MESSAGE_STORE_URL=nats://127.0.0.1:4222 npm run demo   # the same on NATS JetStream
 *
 * Every run uses its own prefix, so reruns on NATS start from empty categories.
 */
import {
  connect,
  declared,
  defineCategory,
  type FetchOptions,
  isExpectedVersionError,
  type MessageOf,
  type MessageStore,
  type StreamOf,
} from "message-store";

// The account's messages, declared once: every read, write and handler below is typed from
// this, so no handler needs a cast. (`declared<T>()` is checked by the compiler only; example
// 10 checks data at run time with a zod schema.)
const accounts = defineCategory("account", {
  Opened: declared<{ owner: string; email?: string }>(),
  Deposited: declared<{ amount: number }>(),
  Withdrawn: declared<{ amount: number }>(),
});
const welcomeEmails = defineCategory("welcomeEmail", {
  WelcomeEmailSent: declared<{ to: string }>(),
});

interface Account {
  owner: string;
  balance: number;
}

// The account's state is a fold over its events; `fetch` runs it.
const accountProjection: FetchOptions<Account, MessageOf<typeof accounts>> = {
  init: () => ({ owner: "", balance: 0 }),
  handlers: {
    Opened: (state, message) => ({ ...state, owner: message.data.owner }),
    Deposited: (state, message) => ({ ...state, balance: state.balance + message.data.amount }),
    Withdrawn: (state, message) => ({ ...state, balance: state.balance - message.data.amount }),
  },
};

/**
 * Withdraws only when the balance covers it. The decision is made on the state at `version`,
 * so the write expects that version: if anyone wrote in between, the store refuses it.
 */
async function withdraw(
  store: MessageStore,
  account: StreamOf<typeof accounts>,
  amount: number,
  seen: { state: Account; version: number },
): Promise<number> {
  if (seen.state.balance < amount) throw new Error(`insufficient funds in ${account.name}`);
  const { position } = await store.write(
    account,
    { type: "Withdrawn", data: { amount } },
    { expectedVersion: seen.version },
  );
  return position;
}

const store = await connect(undefined, { prefix: `demo${Date.now()}` });
console.log(`message-store demo on the ${store.backendKind} backend\n`);

// 1. Writing: every write returns the stream position it landed on.
console.log("1. Open an account, deposit, withdraw");
const account = accounts.stream("42");
const opened = await store.write(
  account,
  { type: "Opened", data: { owner: "Ada", email: "ada@example.com" } },
  { expectedVersion: "no_stream" },
);
console.log(`   Opened     ${account.name} at position ${opened.position}`);
const deposited = await store.write(account, { type: "Deposited", data: { amount: 100 } });
console.log(`   Deposited  100 at position ${deposited.position}`);
const withdrawn = await store.write(account, { type: "Withdrawn", data: { amount: 30 } });
console.log(`   Withdrawn   30 at position ${withdrawn.position}`);

// 2. Optimistic concurrency: two tellers load the account at the same version.
console.log("\n2. Two tellers at once");
const tellerA = await store.fetch(account, accountProjection);
const tellerB = await store.fetch(account, accountProjection);
console.log(`   both tellers see balance ${tellerA.state.balance} at version ${tellerA.version}`);
const depositA = await store.write(
  account,
  { type: "Deposited", data: { amount: 50 } },
  { expectedVersion: tellerA.version },
);
console.log(`   teller A deposits 50 at position ${depositA.position}`);
try {
  await withdraw(store, account, 60, tellerB);
} catch (error) {
  if (!isExpectedVersionError(error)) throw error;
  console.log(
    `   teller B conflicts: expected version ${error.expected}, stream is at ${error.actual}`,
  );
  // Reload and decide again on the current state: that is the retry.
  const reloaded = await store.fetch(account, accountProjection);
  const position = await withdraw(store, account, 60, reloaded);
  console.log(
    `   teller B retries on version ${reloaded.version}: withdraws 60 at position ${position}`,
  );
}

// 3. Reading: fold the whole stream.
console.log("\n3. Fold the stream with fetch");
const { state, version } = await store.fetch(account, accountProjection);
console.log(`   ${state.owner}'s balance is ${state.balance} at version ${version}`);

// 4. A subscriber: send a welcome email for every opened account.
console.log("\n4. A subscriber that retries and dead-letters, and waitFor");
await store.write(accounts.stream("7"), { type: "Opened", data: { owner: "Bob" } });
console.log("   Opened     account-7 (no email address on file)");

const welcomeEmailer = store.subscribe(accounts, {
  consumer: "welcome-emails",
  maxAttempts: 3,
  retryDelay: 100,
  deadLetter: "deadLetter",
  handlers: {
    Opened: async (message, context) => {
      const { email } = message.data;
      const label = `   ${message.streamName} attempt ${context.attempt}/${context.maxAttempts}`;
      // Retrying cannot fix this one: it fails every attempt and ends as a dead letter.
      // (context.terminate() would give up at once; see example 04.)
      if (email === undefined) {
        console.log(`${label}: failed, no email address`);
        throw new Error("no email address on file");
      }
      // A simulated outage: the mail server refuses the first two tries.
      if (context.attempt < 3) {
        console.log(`${label}: failed, mail server busy`);
        throw new Error("mail server busy");
      }
      await store.write(welcomeEmails.stream(message.streamId), {
        type: "WelcomeEmailSent",
        data: { to: email },
      });
      console.log(`${label}: sent to ${email}`);
    },
  },
});
await welcomeEmailer.start();

// waitFor blocks until a matching message shows up. `fromPosition`/`fromGlobalPosition` make
// it look at messages already written too, since the subscriber may be quicker than this line.
const sent = await store.waitFor(
  welcomeEmails.stream("42"),
  (message) => message.type === "WelcomeEmailSent",
  { fromPosition: 0 },
);
console.log(`   waitFor saw ${sent.type} to ${sent.data.to} in ${sent.streamName}`);
const dead = await store.waitFor("deadLetter", (message) => message.streamName === "account-7", {
  fromGlobalPosition: 1,
});
console.log(`   waitFor saw the dead letter of ${dead.streamName}`);

console.log("\n5. The dead-letter category, read back");
for await (const letter of store.readCategory("deadLetter")) {
  console.log(
    `   dead letter ${letter.globalPosition}: ${letter.type} of ${letter.streamName} at position ${letter.position}, id ${letter.id}`,
  );
}

// close() stops the subscription (letting a running handler finish) and releases the backend.
await store.close();
console.log("\nstore closed");
