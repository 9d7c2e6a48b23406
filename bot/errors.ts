/**
 * The bot's own errors, and the one way any error becomes text for a person or a log line.
 * Code recognises an AWS error by its class (each SDK client exports its exceptions); people
 * read its name (errorName, errorText), which is what they search for.
 */

/** The configuration is missing or wrong: the process cannot start. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A canary id or one of its aliases is taken. */
export class AlreadyExistsError extends Error {
  override name = 'AlreadyExistsError';
}

/** A response_url that is not Slack's, for our workspace (bot/respond.ts). */
export class ResponseUrlError extends Error {
  override name = 'ResponseUrlError';
}

/** A step of minting failed; whatever the earlier steps created has been removed. */
export class MintError extends Error {
  override name = 'MintError';
  constructor(
    readonly step: string,
    readonly reason: string,
    /** Set when undoing the earlier steps failed too: a person has to clean up. */
    readonly leftover?: string,
  ) {
    super(`minting failed at ${step}: ${reason}${leftover ? `; cleanup incomplete: ${leftover}` : ''}`);
  }
}

/** The kind's resources (IAM user, S3 object, ECR image) could not be removed: nothing was recorded. */
export class RetireError extends Error {
  override name = 'RetireError';
}

/** A store lock another holder keeps past every wait (store/once.ts withLock). */
export class LockHeldError extends Error {
  override name = 'LockHeldError';
}

/** The error's name (AWS's error code, for the SDK's errors), whatever shape it came in. */
export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'UnknownError';
}

/** Name first, then message: what a person reads in Slack and what a log line carries. */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** The bot cannot act in a member account: its role there is missing or refuses (bot/accounts.ts). */
export class MemberAccountError extends Error {
  override name = 'MemberAccountError';
}
