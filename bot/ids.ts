import { createHash, randomInt } from 'node:crypto';

// Short ids a responder can type: "/canary show c7k2mq". Crockford-style alphabet without
// letters that read as digits. A clash is caught by the store's conditional write.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export function newCanaryId(): string {
  let id = 'c';
  for (let i = 0; i < 6; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

/** A stable id for a user under the canary path that the bot never minted: u + 6 from its ARN. */
export function unknownCanaryId(arn: string): string {
  const digest = createHash('sha256').update(arn).digest();
  return `u${[...digest.subarray(0, 6)].map((b) => ALPHABET[b % ALPHABET.length]).join('')}`;
}

/** Any canary id a person may type: minted (c...) or unknown (u...). */
export const CANARY_REF = /^[cu][0-9a-z]{6}$/;
