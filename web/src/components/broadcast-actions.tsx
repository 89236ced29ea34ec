import { useState } from 'preact/hooks';
import { api, collect } from '../api.js';
import { useAction, useLoad } from '../hooks.js';
import { actionsFor } from '../logic/actions.js';
import { href } from '../router.js';
import type { Broadcast, Contact } from '../types.js';
import { Dialog } from './dialog.js';
import { ErrorMessage } from './error-message.js';
import { PreflightConfirm } from './preflight-dialog.js';

type Open = 'execute' | 'schedule' | 'test-send' | undefined;

/** The buttons the broadcast's status allows, and the dialogs of those that ask something first. */
export function BroadcastActions({ broadcast, onChanged }: { broadcast: Broadcast; onChanged: () => void }) {
  const [open, setOpen] = useState<Open>(undefined);
  const action = useAction();
  const allowed = actionsFor(broadcast.status);
  const base = `/api/v1/broadcasts/${broadcast.id}`;
  const transition = async (verb: string, body?: unknown) => {
    if (await action.run(() => api.post(`${base}/${verb}`, body))) {
      setOpen(undefined);
      onChanged();
    }
  };
  const simple = (verb: 'pause' | 'resume' | 'cancel' | 'unschedule', label: string) =>
    allowed.includes(verb) && (
      <button type="button" disabled={action.busy} onClick={() => transition(verb)}>
        {label}
      </button>
    );

  return (
    <div class="actions">
      <fieldset class="toolbar plain">
        <legend class="visually-hidden">Broadcast actions</legend>
        {allowed.includes('execute') && (
          <button type="button" class="primary" disabled={action.busy} onClick={() => setOpen('execute')}>
            Execute…
          </button>
        )}
        {simple('pause', 'Pause')}
        {simple('resume', 'Resume')}
        {allowed.includes('schedule') && (
          <button type="button" disabled={action.busy} onClick={() => setOpen('schedule')}>
            Schedule…
          </button>
        )}
        {simple('unschedule', 'Unschedule')}
        {allowed.includes('test-send') && (
          <button type="button" disabled={action.busy} onClick={() => setOpen('test-send')}>
            Test send…
          </button>
        )}
        {allowed.includes('edit') && (
          <a class="button" href={href({ page: 'broadcast-edit', id: broadcast.id })}>
            Edit
          </a>
        )}
        {simple('cancel', 'Cancel broadcast')}
      </fieldset>
      {!open && <ErrorMessage error={action.error} />}

      <Dialog title="Execute this broadcast?" open={open === 'execute'} onClose={() => setOpen(undefined)}>
        <ErrorMessage error={action.error} />
        <PreflightConfirm
          broadcastId={broadcast.id}
          busy={action.busy}
          onConfirm={() => transition('execute')}
          onCancel={() => setOpen(undefined)}
        />
      </Dialog>
      <Dialog title="Schedule" open={open === 'schedule'} onClose={() => setOpen(undefined)}>
        <ErrorMessage error={action.error} />
        <ScheduleForm
          timezone={broadcast.timezone}
          busy={action.busy}
          onSubmit={(when) => transition('schedule', { scheduled_for: when })}
          onCancel={() => setOpen(undefined)}
        />
      </Dialog>
      <Dialog title="Test send" open={open === 'test-send'} onClose={() => setOpen(undefined)}>
        <TestSendForm broadcast={broadcast} onDone={() => setOpen(undefined)} />
      </Dialog>
    </div>
  );
}

function ScheduleForm({
  timezone,
  busy,
  onSubmit,
  onCancel,
}: {
  timezone: string;
  busy: boolean;
  onSubmit: (iso: string) => void;
  onCancel: () => void;
}) {
  const [local, setLocal] = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        // datetime-local is the operator's own clock; the API takes an instant.
        if (local) onSubmit(new Date(local).toISOString());
      }}
    >
      <label>
        Start at (your local time; the broadcast's zone is {timezone})
        {/* step 1: to the second (the default step, a minute, refuses a time with seconds). */}
        <input type="datetime-local" step={1} required value={local} onInput={(e) => setLocal(e.currentTarget.value)} />
      </label>
      <div class="dialog-actions">
        <button type="submit" class="primary" disabled={busy}>
          Schedule
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function TestSendForm({ broadcast, onDone }: { broadcast: Broadcast; onDone: () => void }) {
  const members = useLoad(
    () => collect<Contact>(`/api/v1/contact-lists/${broadcast.list_id}/contacts`, 200),
    [broadcast.list_id],
  );
  const [contactId, setContactId] = useState('');
  const send = useAction();
  const [result, setResult] = useState<{ status: string; error: string | null } | undefined>(undefined);
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        await send.run(async () =>
          setResult(await api.post(`/api/v1/broadcasts/${broadcast.id}/test-send`, { contact_id: contactId })),
        );
      }}
    >
      <ErrorMessage error={members.error ?? send.error} />
      <label>
        Send one real message to
        <select required value={contactId} onChange={(e) => setContactId(e.currentTarget.value)}>
          <option value="">choose a contact of the list…</option>
          {(members.data?.items ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name ?? c.email ?? c.phone ?? c.id}
            </option>
          ))}
        </select>
      </label>
      {result && (
        <p role="status">
          Test send {result.status}
          {result.error ? `: ${result.error}` : ''}.
        </p>
      )}
      <div class="dialog-actions">
        <button type="submit" class="primary" disabled={send.busy || !contactId}>
          Send test
        </button>
        <button type="button" onClick={onDone}>
          Close
        </button>
      </div>
    </form>
  );
}
