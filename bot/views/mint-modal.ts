import type { types } from '@slack/bolt';
import type { MintRequest } from '../model/job';
import { modal } from './blocks';
import { LOCATION_MAX, NOTE_MAX, checkFreeText } from '../command';
import { DEFAULT_KIND, KINDS, findKind } from '../kinds';
import { checkUserName } from '../names';
import type { OrgAccount } from '../store/org-accounts';
import { cut } from '../text';

export const MINT_MODAL_ID = 'canary_new';

/** Carried through Slack and back so the submission can answer where the command was typed. */
export interface MintModalMetadata {
  responseUrl: string;
  channelId: string;
}

const option = (k: (typeof KINDS)[number]) => ({ text: { type: 'plain_text' as const, text: k.label }, value: k.name });

/** Slack's limits: 100 options in a static select, 75 characters of option text. */
const MAX_OPTIONS = 100;
const accountOption = (a: OrgAccount) => ({ text: { type: 'plain_text' as const, text: cut(`${a.name} (${a.id})`, 75) }, value: a.id });

/**
 * The account picker (organization mode): the organization's active accounts from the stored
 * list, the home account first and chosen. Beyond 100 accounts the rest take `--account`.
 */
function accountPicker(accounts: OrgAccount[], home: string | undefined) {
  const sorted = accounts
    .filter((a) => a.state === 'ACTIVE')
    .sort((a, b) => Number(b.id === home) - Number(a.id === home) || a.name.localeCompare(b.name));
  const options = sorted.slice(0, MAX_OPTIONS).map(accountOption);
  const initial = options.find((o) => o.value === home);
  return {
    type: 'input',
    block_id: 'account',
    label: { type: 'plain_text', text: 'Account' },
    hint: {
      type: 'plain_text',
      text:
        sorted.length > MAX_OPTIONS
          ? `The first ${MAX_OPTIONS} of ${sorted.length} accounts; for another, use /canary new <location> --account <id>`
          : 'The key is minted in this account, so its id matches where it is placed',
    },
    element: { type: 'static_select', action_id: 'value', options, ...(initial ? { initial_option: initial } : {}) },
  } as const;
}

export function mintModal(requester: string, meta: MintModalMetadata, org?: { accounts: OrgAccount[]; home?: string }): types.ModalView {
  return modal(MINT_MODAL_ID, meta, 'New canary', 'Mint', [
    {
      type: 'input',
      block_id: 'kind',
      label: { type: 'plain_text', text: 'Kind' },
      element: { type: 'static_select', action_id: 'value', options: KINDS.map(option), initial_option: option(DEFAULT_KIND) },
    },
    {
      type: 'input',
      block_id: 'location',
      label: { type: 'plain_text', text: 'Where will it live?' },
      hint: { type: 'plain_text', text: 'e.g. laptop-jdoe ~/.aws/credentials, or the repo and file' },
      element: { type: 'plain_text_input', action_id: 'value', max_length: LOCATION_MAX },
    },
    {
      type: 'input',
      block_id: 'owner',
      label: { type: 'plain_text', text: 'Owner' },
      element: { type: 'users_select', action_id: 'value', initial_user: requester },
    },
    ...(org?.accounts.some((a) => a.state === 'ACTIVE') ? [accountPicker(org.accounts, org.home)] : []),
    {
      type: 'input',
      block_id: 'name',
      optional: true,
      label: { type: 'plain_text', text: 'IAM user name' },
      hint: { type: 'plain_text', text: 'Leave empty for a generated, plausible service-account name' },
      element: { type: 'plain_text_input', action_id: 'value', max_length: 64 },
    },
    {
      type: 'input',
      block_id: 'note',
      optional: true,
      label: { type: 'plain_text', text: 'Note' },
      element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: NOTE_MAX },
    },
  ]);
}

/** What the modal asks: a part of the mint request (model/job.ts). */
export type MintForm = Pick<MintRequest, 'kind' | 'location' | 'owner' | 'name' | 'note' | 'account'>;

type State = Record<
  string,
  Record<string, { value?: string | null; selected_user?: string | null; selected_option?: { value: string } | null }>
>;

/** The submitted form, or Slack's per-field errors to show in the modal. */
export function readMintModal(values: State): { form: MintForm } | { errors: Record<string, string> } {
  const kind = values.kind?.value?.selected_option?.value ?? DEFAULT_KIND.name;
  const location = (values.location?.value?.value ?? '').trim();
  const owner = values.owner?.value?.selected_user ?? '';
  const name = (values.name?.value?.value ?? '').trim();
  const note = (values.note?.value?.value ?? '').trim();
  const account = values.account?.value?.selected_option?.value;
  const errors: Record<string, string> = {};
  if (account !== undefined && !/^\d{12}$/.test(account)) errors.account = 'Pick one of the listed accounts.';
  if (!findKind(kind)) errors.kind = 'Pick one of the listed kinds.';
  const locProblem = checkFreeText('location', location, LOCATION_MAX);
  if (locProblem) errors.location = locProblem;
  if (!/^[UW][A-Z0-9]+$/.test(owner)) errors.owner = 'Pick the person responsible for this placement.';
  if (name) {
    const check = checkUserName(name);
    if (!check.ok) errors.name = check.reason;
  }
  const noteProblem = note ? checkFreeText('note', note, NOTE_MAX) : undefined;
  if (noteProblem) errors.note = noteProblem;
  if (Object.keys(errors).length) return { errors };
  return { form: { kind, location, owner, ...(name ? { name } : {}), ...(note ? { note } : {}), ...(account ? { account } : {}) } };
}
