import { createHash, randomInt } from 'node:crypto';
import { isCanaryPath } from '../bot/names';

/**
 * The IAM path canaries live under, chosen per deployment. One path shared by every deployment of
 * a public project is a tell: an attacker who reads this repository would flag any user under it,
 * whatever its name. So the app takes no default: it proposes one of these ordinary paths, picked
 * by the account id (the same proposal on every synth of that account, different ones across
 * accounts), and the operator confirms it with `-c userPath`. Pick one the account's real users do
 * not use: the daily audit reports every user under the path that the bot did not mint.
 */
const PLAUSIBLE = [
  '/automation/',
  '/service/',
  '/services/',
  '/apps/',
  '/integrations/',
  '/workloads/',
  '/system/',
  '/platform/',
  '/pipelines/',
  '/jobs/',
  '/ops/',
  '/data/',
];

export function proposeUserPath(account: string | undefined): string {
  const index = account ? createHash('sha256').update(account).digest().readUInt32BE(0) % PLAUSIBLE.length : randomInt(PLAUSIBLE.length);
  return PLAUSIBLE[index]!;
}

/** The bot's own check (bot/names.ts), so that a path the app accepts is one the functions start with. */
export const isUserPath = isCanaryPath;
