/**
 * What every case file gets: a way to make fresh stores that are closed after each test, and
 * a `test` that honours the backend's reasoned skips. Case files register tests through it
 * and never call vitest's `it` directly, so a skip always shows up as skipped, with its reason.
 */
import { afterEach, it } from "vitest";
import type { MessageStoreOptions } from "../options.ts";
import type { MessageStore } from "../store.ts";

/** A deviation a backend declares: the tests it cannot pass, and why. */
export interface ConformanceSkip {
  readonly reason: string;
  /** Test titles exactly as registered (the `it` title, without the area). */
  readonly tests: readonly string[];
}

export interface ConformanceOptions {
  /** Shown as the top-level describe: `conformance: {name}`. */
  readonly name: string;
  /**
   * A fresh, isolated store for each call, with `options` applied on top of the backend's own
   * (some cases need `createMissingStreams: false`). Stores are closed after each test.
   */
  readonly create: (options?: MessageStoreOptions) => Promise<MessageStore>;
  /**
   * Another store over the same data as `store`, as a second process sees it: another writer,
   * another member of the same consumer. Cases about several processes need it; a backend
   * without it lists those cases under `skip`.
   */
  readonly sibling?:
    | ((store: MessageStore, options?: MessageStoreOptions) => Promise<MessageStore>)
    | undefined;
  readonly skip?: readonly ConformanceSkip[] | undefined;
  /**
   * Stores `body` byte for byte as the next message of `stream` in a store made by `create`,
   * past every check of the store: how the malformed-message cases put a body that is not
   * JSON where a subscription meets it (other writers, such as `nats pub`, can). Without it
   * those cases are skipped.
   */
  readonly writeRawBody?:
    | ((store: MessageStore, stream: string, body: Uint8Array) => Promise<void>)
    | undefined;
}

export interface TestOptions {
  /** Per-test timeout in milliseconds. @default vitest's */
  readonly timeoutMs?: number | undefined;
}

export interface SuiteContext {
  /** A fresh store, closed after the current test. */
  store(options?: MessageStoreOptions): Promise<MessageStore>;
  /** Another store over `store`'s data (a second process), closed after the current test. */
  sibling(store: MessageStore, options?: MessageStoreOptions): Promise<MessageStore>;
  /** Registers one test, or a skipped one when the backend lists its title. */
  test(title: string, body: () => Promise<void>, options?: TestOptions): void;
  /** The backend's raw writer (see `ConformanceOptions.writeRawBody`); `undefined` when it has none. */
  readonly writeRawBody: ConformanceOptions["writeRawBody"];
  /** Registers `title` as skipped, with `reason`: for a case whose prerequisite the backend lacks. */
  skipped(title: string, reason: string): void;
}

export interface SuiteRegistration {
  readonly context: SuiteContext;
  /** Skip titles that matched no test: a typo there must not pass silently. */
  unusedSkips(): string[];
}

export function createSuiteContext(options: ConformanceOptions): SuiteRegistration {
  const skipReasons = new Map<string, string>();
  for (const skip of options.skip ?? []) {
    for (const title of skip.tests) skipReasons.set(title, skip.reason);
  }
  const usedSkips = new Set<string>();
  let openStores: MessageStore[] = [];

  afterEach(async () => {
    const closing = openStores;
    openStores = [];
    await Promise.allSettled(closing.map((store) => store.close()));
  });

  const context: SuiteContext = {
    async store(storeOptions) {
      const store = await options.create(storeOptions);
      openStores.push(store);
      return store;
    },
    async sibling(store, storeOptions) {
      if (options.sibling === undefined) {
        throw new Error(
          `conformance: ${options.name} gives no \`sibling\`; list this test under \`skip\` with the reason`,
        );
      }
      const sibling = await options.sibling(store, storeOptions);
      openStores.push(sibling);
      return sibling;
    },
    test(title, body, testOptions = {}) {
      const reason = skipReasons.get(title);
      if (reason !== undefined) {
        usedSkips.add(title);
        it.skip(`${title} [skipped: ${reason}]`, body);
        return;
      }
      it(title, body, testOptions.timeoutMs);
    },
    writeRawBody: options.writeRawBody,
    skipped(title, reason) {
      it.skip(`${title} [skipped: ${reason}]`, () => {});
    },
  };
  return {
    context,
    unusedSkips: () => [...skipReasons.keys()].filter((title) => !usedSkips.has(title)),
  };
}
