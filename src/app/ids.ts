import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';

const RANDOM_POOL_BYTES = 4096;
let randomPool = randomBytes(RANDOM_POOL_BYTES);
let randomPoolOffset = 0;

/**
 * Returns a random number in [0, 1) from a pool of random bytes. ulid's default source
 * makes one crypto call per character, which showed up in request profiles.
 */
function pooledRandom(): number {
  if (randomPoolOffset >= RANDOM_POOL_BYTES) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomPoolOffset = 0;
  }
  const byte = randomPool[randomPoolOffset] as number;
  randomPoolOffset += 1;
  return byte / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

/** Returns a new lowercase ULID, sortable by creation time, for orders, events and jobs. */
export function newId(): string {
  return nextUlid().toLowerCase();
}

/** Returns a random URL-safe secret of `byteCount` bytes. */
export function newSecret(byteCount = 32): string {
  return randomBytes(byteCount).toString('base64url');
}
