/**
 * What the sandbox server sends the page (GET /sandbox/state): one definition for both sides,
 * and for the tests that read it. Types only, so the page bundle and the server share it freely.
 */
export interface Message {
  /** `<channel>/<ts>` for channel messages; generated for ephemerals and in_channel responses. */
  id: string;
  channel: string;
  ts?: string;
  threadTs?: string;
  ephemeral: boolean;
  /** Milliseconds since the epoch, for ordering. */
  at: number;
  text: string;
  blocks?: unknown[];
  edited?: boolean;
}

export interface ModalView {
  callback_id?: string;
  private_metadata?: string;
  title?: { text: string };
  submit?: { text: string };
  close?: { text: string };
  blocks?: unknown[];
}

export interface Modal {
  id: string;
  view: ModalView;
  /** Slack's response_action: errors, by block id. */
  errors: Record<string, string>;
}

export interface AttackState {
  /** Canaries the attacker can use: keys shown in the sandbox, and S3 decoys. */
  targets: Array<{ canaryId: string; kind: string; label: string; calls: string[] }>;
  /** S3 decoys a canary key can read with GetObject. */
  objects: Array<{ canaryId: string; label: string }>;
  running: boolean;
  sent: number;
  total: number;
  maxFlood: number;
  last?: { sent: number; answer: string; canaryId: string; call: string; at: string };
}

export interface SandboxState {
  version: number;
  user: string;
  users: Record<string, string>;
  channels: Array<{ id: string; name: string }>;
  messages: Message[];
  modals: Modal[];
  attack: AttackState;
  awsEndpoint: string;
}
