import { randomUUID } from 'node:crypto';
import type { SlackCall, SlackStandin } from '../slack-standin';
import type { Message, Modal, ModalView } from './page/state';

/**
 * One Slack workspace as the sandbox page shows it, kept from the calls the bot makes to the
 * stand-in: channel messages and thread replies (the stand-in's own record, after chat.update),
 * ephemeral messages (response_url posts and chat.postEphemeral, seen only by the sandbox user),
 * and the open modals. Slack's response_url rules are applied here, and written down where Slack
 * leaves room: a post with no replace_original replaces an ephemeral it answers and adds a new
 * ephemeral under a channel message (the bot always says which it wants).
 */
/** What a response_url answers: the command's channel, or the message whose button was pressed. */
export type Origin = { channel: string; messageTs?: string; ephemeralId?: string };

export interface Workspace {
  /** A fresh response_url for a command or interaction from `origin`. */
  responseUrl(origin: Origin): string;
  /** An ephemeral message, as for a command's synchronous answer. */
  addEphemeral(channel: string, m: Record<string, unknown>): void;
  /** The page's view of the workspace. */
  snapshot(): { messages: Message[]; modals: Modal[] };
  findMessage(id: string): Message | undefined;
  setModalErrors(id: string, errors: Record<string, string>): void;
  closeModals(): void;
  /** Called on every change, so the page can refresh. */
  onChange: () => void;
}

const messageFrom = (id: string, channel: string, args: Record<string, unknown>, ephemeral: boolean, at: number): Message => ({
  id,
  channel,
  ephemeral,
  at,
  text: String(args.text ?? ''),
  ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
  ...(typeof args.ts === 'string' ? { ts: args.ts } : {}),
  ...(typeof args.thread_ts === 'string' ? { threadTs: args.thread_ts } : {}),
});

export function createWorkspace(standin: SlackStandin): Workspace {
  const origins = new Map<string, Origin>();
  const ephemerals = new Map<string, Message>();
  /** response_url posts with response_type in_channel: Slack posts them as the bot. */
  const posted = new Map<string, Message>();
  const edited = new Set<string>();
  let modals: Modal[] = [];
  // Arrival order for what has no Slack ts; a microsecond apart, like ts, so ties never reorder.
  let last = 0;
  const now = () => (last = Math.max(Date.now(), last + 0.001));

  const ws: Workspace = {
    onChange: () => undefined,
    responseUrl(origin) {
      const url = standin.newResponseUrl();
      origins.set(url.split('/').pop()!, origin);
      return url;
    },
    addEphemeral(channel, m) {
      const id = `e-${randomUUID()}`;
      ephemerals.set(id, messageFrom(id, channel, m, true, now()));
      ws.onChange();
    },
    snapshot() {
      const channelMessages = [...standin.messages.entries()].map(([key, args]) => {
        const channel = key.slice(0, key.indexOf('/'));
        const m = messageFrom(key, channel, args, false, Number(args.ts) * 1000);
        return edited.has(key) ? { ...m, edited: true } : m;
      });
      const messages = [...channelMessages, ...posted.values(), ...ephemerals.values()].sort(
        (a, b) => a.at - b.at || (a.ts ?? '').localeCompare(b.ts ?? ''),
      );
      return { messages, modals };
    },
    findMessage(id) {
      return ws.snapshot().messages.find((m) => m.id === id);
    },
    setModalErrors(id, errors) {
      modals = modals.map((m) => (m.id === id ? { ...m, errors } : m));
      ws.onChange();
    },
    closeModals() {
      modals = [];
      ws.onChange();
    },
  };

  function fromResponseUrl(call: SlackCall): void {
    const origin = origins.get(call.responseUrlId ?? '');
    if (!origin) return;
    const a = call.args;
    const target = origin.ephemeralId ?? (origin.messageTs ? `${origin.channel}/${origin.messageTs}` : undefined);
    const replace = a.replace_original === true || (a.replace_original === undefined && origin.ephemeralId !== undefined);
    if (a.delete_original === true && target) {
      ephemerals.delete(target);
      standin.messages.delete(target);
    } else if (replace && origin.ephemeralId && ephemerals.has(origin.ephemeralId)) {
      ephemerals.set(origin.ephemeralId, messageFrom(origin.ephemeralId, origin.channel, a, true, ephemerals.get(origin.ephemeralId)!.at));
    } else if (replace && target && standin.messages.has(target)) {
      const { ts, thread_ts } = standin.messages.get(target)!;
      standin.messages.set(target, { ...a, ts, ...(thread_ts ? { thread_ts } : {}) });
      edited.add(target);
    } else if (a.response_type === 'in_channel') {
      const id = `p-${randomUUID()}`;
      posted.set(id, messageFrom(id, origin.channel, a, false, now()));
    } else {
      const id = `e-${randomUUID()}`;
      ephemerals.set(id, messageFrom(id, origin.channel, a, true, now()));
    }
  }

  standin.onCall = (call) => {
    switch (call.method) {
      case 'response_url':
        fromResponseUrl(call);
        break;
      case 'chat.postEphemeral': {
        const id = `e-${randomUUID()}`;
        ephemerals.set(id, messageFrom(id, String(call.args.channel), call.args, true, now()));
        break;
      }
      case 'chat.update':
        edited.add(`${String(call.args.channel)}/${String(call.args.ts)}`);
        break;
      case 'views.open':
        modals = [{ id: `V${randomUUID()}`, view: call.args.view as ModalView, errors: {} }];
        break;
      case 'views.push':
        modals = [...modals, { id: `V${randomUUID()}`, view: call.args.view as ModalView, errors: {} }];
        break;
      case 'views.update':
        if (modals.length)
          modals = [...modals.slice(0, -1), { ...modals[modals.length - 1]!, view: call.args.view as ModalView, errors: {} }];
        break;
    }
    // The stand-in answers after onCall; chat.postMessage's message lands in its map just after.
    setImmediate(() => ws.onChange());
  };
  return ws;
}
