/**
 * Entity snapshots on NATS: a JetStream KV bucket per category, one key per entity, holding
 * only its latest snapshot (history 1). The bucket is made on first use, read or write, with
 * the store's replicas, so a category's snapshots live beside its stream and share its
 * durability. A snapshot is a cache of a fold, never data: losing the bucket costs a read.
 */
import { createHash } from "node:crypto";
import type { JetStreamClient } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { SnapshotStore } from "../../snapshot-store.ts";
import type { ParsedStream } from "../../stream-name.ts";

/** Characters a KV bucket name may hold. */
const BUCKET_SAFE = /^[A-Za-z0-9_-]+$/;
/** Characters a stream id may keep as a key as is; others are encoded (see `keyOf`). */
const KEY_SAFE = /^[A-Za-z0-9_-]+$/;

/**
 * `{prefix}-snapshots-{category}`. Categories may hold characters a bucket name may not
 * (`account:command`); those become `_`, with a hash of the exact name appended so that two
 * categories never share a bucket.
 */
export function snapshotBucketName(prefix: string, category: string): string {
  const name = prefix === "" ? `snapshots-${category}` : `${prefix}-snapshots-${category}`;
  if (BUCKET_SAFE.test(name)) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 12);
  return `${name.replace(/[^A-Za-z0-9_-]/g, "_")}-${hash}`;
}

/**
 * The entity's key. Ids of letters, digits, `-` and `_` are used as they are; any other id
 * (`123+456`, non-ASCII) is `=` and its base64url form. Plain keys never contain `=`, so the
 * two kinds never collide.
 */
export function snapshotKeyOf(id: string): string {
  return KEY_SAFE.test(id) ? id : `=${Buffer.from(id, "utf8").toString("base64url")}`;
}

export class NatsSnapshots implements SnapshotStore {
  readonly #kvm: Kvm;
  readonly #prefix: string;
  readonly #replicas: number;
  /** One bucket per category, made once; a failed attempt is forgotten so the next one retries. */
  readonly #buckets = new Map<string, Promise<KV>>();

  constructor(jetstream: JetStreamClient, prefix: string, replicas: number) {
    this.#kvm = new Kvm(jetstream);
    this.#prefix = prefix;
    this.#replicas = replicas;
  }

  async read(stream: ParsedStream): Promise<Uint8Array | undefined> {
    const bucket = await this.#bucket(stream.category);
    const entry = await bucket.get(snapshotKeyOf(stream.id));
    if (entry === null || entry.operation !== "PUT") return undefined;
    return entry.value;
  }

  async write(stream: ParsedStream, bytes: Uint8Array): Promise<void> {
    const bucket = await this.#bucket(stream.category);
    await bucket.put(snapshotKeyOf(stream.id), bytes);
  }

  #bucket(category: string): Promise<KV> {
    let bucket = this.#buckets.get(category);
    if (bucket === undefined) {
      bucket = this.#kvm.create(snapshotBucketName(this.#prefix, category), {
        history: 1,
        replicas: this.#replicas,
      });
      this.#buckets.set(category, bucket);
      void bucket.catch(() => this.#buckets.delete(category));
    }
    return bucket;
  }
}
