import { KINDS } from '../kinds';
import { COMMANDS } from '../command';
import type { CommandGroup } from '../command';
import { ephemeral, section, context } from './blocks';
import type { Reply } from './blocks';

const GROUPS: Record<CommandGroup, string> = { mint: 'Mint', look: 'Look', triage: 'Triage', lifecycle: 'Lifecycle', checks: 'Checks' };

/** Made from the command table, so every command the parser knows is listed, once. */
export function helpReply(): Reply {
  const kinds = KINDS.map((k) => `• \`${k.name}\`: ${k.summary}`).join('\n');
  const groups = (Object.keys(GROUPS) as CommandGroup[]).map((group) =>
    section(
      [
        `*${GROUPS[group]}*`,
        ...COMMANDS.filter((c) => c.group === group).map((c) => `*/canary ${c.name}*${c.usage ? ` ${c.usage}` : ''}\n      ${c.summary}`),
      ].join('\n'),
    ),
  );
  return ephemeral('How to use /canary', [
    ...groups,
    section(`*Kinds*\n${kinds}`),
    context(
      'Only the admins configured for this bot can mint. Keys are decoys: they can do nothing, and any use of one raises an alert here.',
    ),
  ]);
}
