import { randomBytes } from 'node:crypto';

let lastMillis = 0;
let counter = 0;

/**
 * A UUID version 7: 48 bits of Unix milliseconds, then a 12-bit counter that keeps ids made by
 * this process in the same millisecond increasing, then 62 random bits. Ids therefore sort in
 * creation order, which `ORDER BY created_at, id` relies on.
 */
export function timeOrderedId(): string {
  let millis = Date.now();
  if (millis <= lastMillis) {
    counter += 1;
    if (counter > 0xfff) {
      lastMillis += 1;
      counter = 0;
    }
    millis = lastMillis;
  } else {
    lastMillis = millis;
    counter = 0;
  }
  const random = randomBytes(8);
  const hex = millis.toString(16).padStart(12, '0');
  const variant = ((random[0]! & 0x3f) | 0x80).toString(16).padStart(2, '0') + random.subarray(1, 2).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${counter.toString(16).padStart(3, '0')}-${variant}-${random.subarray(2, 8).toString('hex')}`;
}
