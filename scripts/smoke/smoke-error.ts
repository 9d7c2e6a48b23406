/**
 * Something the smoke run needs and does not have (a setting, a permission, a reachable Slack):
 * printed as the one line that names it, before anything is minted.
 */
export class SmokeError extends Error {
  override name = 'SmokeError';
}
