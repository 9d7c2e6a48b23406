import { randomInt } from 'node:crypto';

// Short ids a responder can type: "/canary show c7k2mq". Crockford-style alphabet without
// letters that read as digits. A clash is caught by the store's conditional write.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export function newCanaryId(): string {
  let id = 'c';
  for (let i = 0; i < 6; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

export const CANARY_ID_PATTERN = /^c[0-9a-hjkmnp-tv-z]{6}$/;
