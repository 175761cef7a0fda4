/**
 * Consumer groups, Eventide style: every member reads the whole category and handles only
 * the streams whose cardinal id hashes to it. The hash is FNV-1a, 32 bits, over the UTF-8
 * bytes of the cardinal id, taken modulo the group size: simple enough to rewrite in any
 * language, with test vectors in docs/consumers.md.
 */
import type { RecordedMessage } from "../message.ts";
import { cardinalIdOf } from "../stream-name.ts";

export interface ConsumerGroupMember {
  readonly member: number;
  readonly size: number;
}

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const utf8 = new TextEncoder();

/** FNV-1a 32-bit of the UTF-8 bytes of `text`, as an unsigned integer. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of utf8.encode(text)) {
    hash ^= byte;
    // Math.imul keeps the multiplication in 32 bits, as the algorithm specifies.
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** The member (0-based) of a group of `size` that handles streams with this cardinal id. */
export function groupMemberFor(cardinalId: string, size: number): number {
  return fnv1a32(cardinalId) % size;
}

/** The durable name a member keeps its own position under. */
export function groupDurableName(consumer: string, group: ConsumerGroupMember): string {
  return `${consumer}-${group.member}of${group.size}`;
}

/**
 * `true` when this member handles `message`. A malformed message (no decoded message) has
 * no stream to hash: member 0 takes it, so it is dead-lettered exactly once.
 */
export function isMine(
  group: ConsumerGroupMember | undefined,
  message: RecordedMessage | undefined,
): boolean {
  if (group === undefined) return true;
  if (message === undefined) return group.member === 0;
  return groupMemberFor(cardinalIdOf(message.streamId), group.size) === group.member;
}
