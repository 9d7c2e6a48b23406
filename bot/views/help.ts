import { KINDS } from '../kinds';
import { LOCATION_MAX } from '../command';
import { ephemeral, section, context } from './blocks';
import type { Reply } from './blocks';

export function helpReply(): Reply {
  const kinds = KINDS.map((k) => `• \`${k.name}\`: ${k.summary}`).join('\n');
  return ephemeral('How to use /canary', [
    section(
      [
        '*/canary new* `&lt;location&gt;` `[--owner @person]` `[--name iam-user-name]` `[--auto-disable on|off]` `[--expires YYYY-MM-DD]` `[--note text]`',
        `  Mint a canary and record where it will live (up to ${LOCATION_MAX} characters). The key comes back to you alone, once.`,
        '*/canary new* alone opens a form.',
        '*/canary list*  Every canary with its location, owner and status.',
        '*/canary show* `&lt;id&gt;`  One canary: placement, incidents, suppressions and every action taken.',
        '*/canary unsuppress* `&lt;id&gt;` `&lt;suppression&gt;`  Alert again on a source marked harmless.',
        '*/canary list* `[--status s]` `[--owner @p]` `[--kind k]` `[text]` `[--page n]`  Filtered, in pages.',
        '*/canary place* `&lt;id&gt;` `&lt;location&gt;`  The canary moved: record where it lives now.',
        '*/canary rotate* `&lt;id&gt;`  A new key for the same placement; the old one is deleted once you have it.',
        '*/canary retire* `&lt;id&gt;`  Delete the key, policy and user (after a confirm); the history stays.',
        '*/canary audit*  Check every canary and the detection pipeline now (it also runs daily).',
        '*/canary redrive*  Move alerts waiting in the dead-letter queue back to the alert queue, after a fix (shows the count first).',
        '*/canary help*  This message.',
      ].join('\n'),
    ),
    section(`*Kinds*\n${kinds}`),
    context('Only the admins configured for this bot can mint. Keys are decoys: they can do nothing, and any use of one raises an alert here.'),
  ]);
}
