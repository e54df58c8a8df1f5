import {
  WEBHOOK_EVENT_TYPES,
  type CreateWebhookResponse,
  type Webhook,
  type WebhookDelivery,
} from '@patina/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { messageOf, patina, RIGHTS, type SessionInfo } from '../api.js';
import { CopyButton, Dialog, EmptyState, ErrorNote, PageHeader } from '../components.js';
import { dateTime, relativeTime } from '../format.js';

const DELIVERY_BADGE: Record<WebhookDelivery['status'], string> = {
  DELIVERED: 'badge-active',
  PENDING: 'badge-expiring',
  FAILED: 'badge-expired',
};

function statusOf(webhook: Webhook): { text: string; badge: string } {
  if (webhook.enabled)
    return {
      text: webhook.failingSince ? 'Failing' : 'Enabled',
      badge: webhook.failingSince ? 'badge-expiring' : 'badge-active',
    };
  if (webhook.disabledReason === 'GONE') return { text: 'Disabled: gone', badge: 'badge-expired' };
  if (webhook.disabledReason === 'FAILING')
    return { text: 'Disabled: failing', badge: 'badge-expired' };
  return { text: 'Disabled', badge: 'badge-expired' };
}

/** Webhooks: where Patina POSTs its events (Standard Webhooks), and what became of each. */
export function Webhooks({ info }: { info: SessionInfo }) {
  const queries = useQueryClient();
  const hooks = useQuery({
    queryKey: ['webhooks'],
    queryFn: () => patina.webhooks.list({ limit: 250 }),
  });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreateWebhookResponse | null>(null);
  const [watching, setWatching] = useState<Webhook | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const canManage = info.rights.includes(RIGHTS.allManage);
  const refresh = () => queries.invalidateQueries({ queryKey: ['webhooks'] });

  const toggle = useMutation({
    mutationFn: (hook: Webhook) => patina.webhooks.update(hook.id, { enabled: !hook.enabled }),
    onSuccess: refresh,
  });
  const test = useMutation({
    mutationFn: (hook: Webhook) => patina.webhooks.test(hook.id),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['deliveries'] }),
  });
  const remove = useMutation({
    mutationFn: (hook: Webhook) => patina.webhooks.delete(hook.id),
    onSuccess: async () => {
      setDeleting(null);
      await refresh();
    },
  });

  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Patina POSTs signed events (Standard Webhooks) to these endpoints: tokens created, rotated, expiring, revoked; identities offboarded."
        actions={
          canManage && (
            <button type="button" className="button primary" onClick={() => setCreating(true)}>
              New webhook
            </button>
          )
        }
      />
      <ErrorNote error={hooks.error ?? toggle.error ?? test.error} />
      {hooks.data && hooks.data.length === 0 && (
        <EmptyState title="No webhooks yet">
          <p>
            Add an endpoint to hear about tokens as they change, instead of polling the audit log.
          </p>
        </EmptyState>
      )}
      {hooks.data && hooks.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Webhooks</caption>
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {hooks.data.map((hook) => {
                const status = statusOf(hook);
                return (
                  <tr key={hook.id}>
                    <td data-label="Endpoint">
                      <div className="name mono">{hook.url}</div>
                      {hook.description && <div className="muted small">{hook.description}</div>}
                    </td>
                    <td data-label="Events">
                      <ul className="scopes">
                        {hook.events.map((e) => (
                          <li key={e}>
                            <code>{e}</code>
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td data-label="Status">
                      <span className={`badge ${status.badge}`}>{status.text}</span>
                    </td>
                    <td data-label="Created">{relativeTime(hook.created)}</td>
                    <td className="row-actions">
                      <button
                        type="button"
                        className="button secondary small"
                        aria-label={`Deliveries of ${hook.url}`}
                        onClick={() => setWatching(hook)}
                      >
                        Deliveries
                      </button>
                      {canManage && (
                        <>
                          <button
                            type="button"
                            className="button secondary small"
                            aria-label={`Send a test event to ${hook.url}`}
                            onClick={() => test.mutate(hook)}
                          >
                            Test
                          </button>
                          <button
                            type="button"
                            className="button secondary small"
                            aria-label={`${hook.enabled ? 'Disable' : 'Enable'} ${hook.url}`}
                            onClick={() => toggle.mutate(hook)}
                          >
                            {hook.enabled ? 'Disable' : 'Enable'}
                          </button>
                          <button
                            type="button"
                            className="button danger small"
                            aria-label={`Delete ${hook.url}`}
                            onClick={() => setDeleting(hook)}
                          >
                            Delete
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <Dialog open={creating} title="New webhook" onClose={() => setCreating(false)} wide>
        <NewWebhookForm
          onCancel={() => setCreating(false)}
          onCreated={(hook) => {
            setCreating(false);
            setCreated(hook);
            void refresh();
          }}
        />
      </Dialog>
      <Dialog open={created !== null} title="Webhook created" onClose={() => setCreated(null)}>
        {created && (
          <div className="stack">
            <p className="warning" role="status">
              Copy the signing secret now. It will not be shown again; the receiver verifies each
              request with it.
            </p>
            <div className="field">
              <label htmlFor="webhook-secret" className="label">
                Signing secret
              </label>
              <div className="copy-row">
                <input
                  id="webhook-secret"
                  className="mono"
                  readOnly
                  value={created.secret}
                  onFocus={(e) => e.target.select()}
                />
                <CopyButton text={created.secret} label="Copy signing secret" />
              </div>
            </div>
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" className="button primary" onClick={() => setCreated(null)}>
            I have stored the secret
          </button>
        </div>
      </Dialog>
      <Dialog open={watching !== null} title="Deliveries" onClose={() => setWatching(null)} wide>
        {watching && <Deliveries hook={watching} />}
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={() => setWatching(null)}>
            Close
          </button>
        </div>
      </Dialog>
      <Dialog
        open={deleting !== null}
        title="Delete this webhook?"
        onClose={() => setDeleting(null)}
      >
        <p>
          <code>{deleting?.url}</code> stops receiving events at once, and events not yet delivered
          to it are dropped.
        </p>
        <ErrorNote error={remove.error} />
        <div className="dialog-actions">
          <button
            type="button"
            className="button secondary"
            onClick={() => setDeleting(null)}
            autoFocus
          >
            Cancel
          </button>
          <button
            type="button"
            className="button danger"
            disabled={remove.isPending}
            onClick={() => deleting && remove.mutate(deleting)}
          >
            Delete webhook
          </button>
        </div>
      </Dialog>
    </>
  );
}

function Deliveries({ hook }: { hook: Webhook }) {
  const deliveries = useQuery({
    queryKey: ['deliveries', hook.id],
    queryFn: () => patina.webhooks.deliveries(hook.id, { limit: 50 }),
  });
  return (
    <>
      <p className="muted mono small">{hook.url}</p>
      <ErrorNote error={deliveries.error} />
      {deliveries.data && deliveries.data.length === 0 && (
        <p className="muted">Nothing sent yet.</p>
      )}
      {deliveries.data && deliveries.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Queued</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.map((d) => {
                const last = d.attempts[d.attempts.length - 1];
                return (
                  <tr key={d.id}>
                    <td data-label="Event">
                      <code>{d.eventType}</code>
                    </td>
                    <td data-label="Status">
                      <span className={`badge ${DELIVERY_BADGE[d.status]}`}>
                        {d.status.toLowerCase()}
                      </span>
                    </td>
                    <td data-label="Attempts">
                      {d.attempts.length}
                      {last && (
                        <span className="muted small">
                          {' '}
                          · last {last.statusCode ?? last.error ?? 'no answer'}
                        </span>
                      )}
                    </td>
                    <td data-label="Queued">
                      <time dateTime={d.created} title={dateTime(d.created)}>
                        {relativeTime(d.created)}
                      </time>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function NewWebhookForm(props: {
  onCreated: (hook: CreateWebhookResponse) => void;
  onCancel: () => void;
}) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<Set<string>>(
    new Set(['personal_access_token.expiring', 'personal_access_token.revoked']),
  );
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (events.size === 0) return setError('Choose at least one event.');
    try {
      props.onCreated(
        await patina.webhooks.create({
          url: url.trim(),
          ...(description.trim() && { description: description.trim() }),
          events: [...events] as Webhook['events'],
        }),
      );
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <label>
        Endpoint URL
        <input
          type="url"
          required
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://hooks.example.com/patina"
        />
      </label>
      <label>
        <span>
          Description <span className="muted">(optional)</span>
        </span>
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <fieldset>
        <legend>Events</legend>
        <div className="scope-list">
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label key={type} className="check-row">
              <input
                type="checkbox"
                checked={events.has(type)}
                onChange={(e) => {
                  const next = new Set(events);
                  if (e.target.checked) next.add(type);
                  else next.delete(type);
                  setEvents(next);
                }}
              />
              <code>{type}</code>
            </label>
          ))}
        </div>
      </fieldset>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary">
          Create webhook
        </button>
      </div>
    </form>
  );
}
