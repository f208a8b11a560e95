import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** A new lowercase ULID: sortable by creation time, used for orders, events and jobs. */
export function newId(): string {
  return nextUlid().toLowerCase();
}

/** A random URL-safe secret of `byteCount` bytes. */
export function newSecret(byteCount = 32): string {
  return randomBytes(byteCount).toString('base64url');
}
