/** The attacker panel: pick a found canary and a call; the server makes it against the emulator. */
import { $, post, toast } from './dom';
import type { AttackState } from './state';

function setOptions(select: HTMLSelectElement, options: Array<{ value: string; text: string }>, empty: string): void {
  const keep = select.value;
  const key = JSON.stringify(options);
  if (select.dataset.options === key) return;
  select.dataset.options = key;
  select.replaceChildren(...(options.length ? options.map((o) => new Option(o.text, o.value)) : [new Option(empty, '')]));
  if (options.some((o) => o.value === keep)) select.value = keep;
}

export function renderAttacker(a: AttackState): void {
  const canary = $<HTMLSelectElement>('attack-canary');
  setOptions(
    canary,
    a.targets.map((t) => ({ value: t.canaryId, text: t.label })),
    'no canary found yet',
  );
  const target = a.targets.find((t) => t.canaryId === canary.value);
  const call = $<HTMLSelectElement>('attack-call');
  setOptions(
    call,
    (target?.calls ?? []).map((c) => ({ value: c, text: c })),
    '-',
  );
  const object = $<HTMLSelectElement>('attack-object');
  setOptions(
    object,
    a.objects.map((o) => ({ value: o.canaryId, text: o.label })),
    'no S3 decoy: /canary new s3-object <where>',
  );
  $('attack-object-row').hidden = !(call.value === 'GetObject' && target?.kind === 'aws-key');
  $<HTMLInputElement>('attack-count').max = String(a.maxFlood);
  $('attack-count-row').hidden = !$<HTMLInputElement>('attack-flood').checked;
  $<HTMLButtonElement>('attack-go').disabled = a.running || !target;
  $('attack-empty').hidden = a.targets.length > 0;
  const status = $('attack-status');
  status.dataset.at = a.last?.at ?? '';
  if (a.running) status.textContent = `Calling… ${a.sent} / ${a.total} events on the bus`;
  else if (a.last)
    status.textContent = `${a.last.call} with ${a.last.canaryId}: ${a.last.answer}\n${a.last.sent} CloudTrail event(s) put on the bus.`;
  else status.textContent = '';
}

export function wireAttacker(current: () => AttackState | undefined): void {
  for (const id of ['attack-canary', 'attack-call', 'attack-flood'])
    $(id).addEventListener('change', () => {
      const a = current();
      if (a) renderAttacker(a);
    });
  $('attack-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const flood = $<HTMLInputElement>('attack-flood').checked;
    const call = $<HTMLSelectElement>('attack-call').value;
    void post('/sandbox/attack', {
      canaryId: $<HTMLSelectElement>('attack-canary').value,
      call,
      ...(call === 'GetObject' ? { objectId: $<HTMLSelectElement>('attack-object').value } : {}),
      sourceIp: $<HTMLInputElement>('attack-ip').value.trim(),
      userAgent: $<HTMLInputElement>('attack-ua').value,
      count: flood ? Number($<HTMLInputElement>('attack-count').value) : 1,
    }).catch((err: Error) => toast(err.message));
  });
}
