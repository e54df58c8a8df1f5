import type { CreateWebhookResponse, Webhook, WebhookMergePatch } from '@patina/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { patina, RIGHTS, type SessionInfo } from '../api.js';
import {
  ConfirmDialog,
  Dialog,
  EmptyState,
  ErrorNote,
  PageHeader,
  SecretDialog,
} from '../components.js';
import { dateTime, relativeTime } from '../format.js';
import { Deliveries, TestDelivery } from './WebhookDeliveries.js';
import { createRequest, WebhookForm, type WebhookFields } from './WebhookForm.js';
import { WebhookSecret } from './WebhookSecret.js';
import { CodeList, DataTable, RowButton } from '../table.js';

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

/** Only what the form changed: a merge patch of the fields that differ (RFC 7396). */
function patchOf(hook: Webhook, fields: WebhookFields): WebhookMergePatch {
  return {
    ...(fields.url !== hook.url && { url: fields.url }),
    ...(fields.description !== hook.description && { description: fields.description }),
    ...(fields.events.join() !== hook.events.join() && { events: fields.events }),
  };
}

/** Why Patina disabled the endpoint, for the dialog that enables it again. */
function disabledBecause(hook: Webhook): string {
  if (hook.disabledReason === 'GONE')
    return 'The endpoint answered 410 Gone, so Patina stopped sending to it.';
  return `Deliveries failed${hook.failingSince ? ` from ${dateTime(hook.failingSince)}` : ''} for five days, so Patina stopped sending to it.`;
}

/** Webhooks: where Patina POSTs its events (Standard Webhooks), and what became of each. */
export function Webhooks({ info }: { info: SessionInfo }) {
  const queries = useQueryClient();
  const hooks = useQuery({
    queryKey: ['webhooks'],
    queryFn: () => patina.webhooks.list({ limit: 250 }),
  });
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Webhook | null>(null);
  /** A signing secret to show once: after create or after rotate-secret. */
  const [secret, setSecret] = useState<{ title: string; hook: CreateWebhookResponse } | null>(null);
  const [rotating, setRotating] = useState<Webhook | null>(null);
  const [testing, setTesting] = useState<{ hook: Webhook; deliveryId: string } | null>(null);
  const [reenabling, setReenabling] = useState<Webhook | null>(null);
  const [watching, setWatching] = useState<Webhook | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const canManage = info.rights.includes(RIGHTS.allManage);
  const refresh = () => queries.invalidateQueries({ queryKey: ['webhooks'] });

  const toggle = useMutation({
    mutationFn: (hook: Webhook) => patina.webhooks.update(hook.id, { enabled: !hook.enabled }),
    onSuccess: async () => {
      setReenabling(null);
      await refresh();
    },
  });
  const test = useMutation({
    mutationFn: (hook: Webhook) => patina.webhooks.test(hook.id),
    onSuccess: async (sent, hook) => {
      await queries.invalidateQueries({ queryKey: ['deliveries', hook.id] });
      setTesting({ hook, deliveryId: sent.deliveryId });
    },
  });
  const rotate = useMutation({
    mutationFn: (hook: Webhook) => patina.webhooks.rotateSecret(hook.id),
    onSuccess: async (rotated) => {
      setRotating(null);
      setSecret({ title: 'Signing secret rotated', hook: rotated });
      await refresh();
    },
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
      <ErrorNote error={hooks.error ?? (reenabling ? null : toggle.error) ?? test.error} />
      {hooks.data && hooks.data.length === 0 && (
        <EmptyState title="No webhooks yet">
          <p>
            Add an endpoint to hear about tokens as they change, instead of polling the audit log.
          </p>
        </EmptyState>
      )}
      {hooks.data && hooks.data.length > 0 && (
        <DataTable
          caption="Webhooks"
          columns={['Endpoint', 'Events', 'Status', 'Created']}
          actions="Actions"
        >
          {hooks.data.map((hook) => {
            const status = statusOf(hook);
            return (
              <tr key={hook.id}>
                <td data-label="Endpoint">
                  <div className="name mono break-anywhere">{hook.url}</div>
                  {hook.description && <div className="muted small">{hook.description}</div>}
                </td>
                <td data-label="Events">
                  <CodeList items={hook.events} />
                </td>
                <td data-label="Status">
                  <span className={`badge ${status.badge}`}>{status.text}</span>
                </td>
                <td data-label="Created">{relativeTime(hook.created)}</td>
                <td className="row-actions wrap">
                  <RowButton label={`Deliveries of ${hook.url}`} onClick={() => setWatching(hook)}>
                    Deliveries
                  </RowButton>
                  {canManage && (
                    <>
                      {hook.enabled && (
                        <RowButton
                          label={`Send a test event to ${hook.url}`}
                          disabled={test.isPending}
                          onClick={() => test.mutate(hook)}
                        >
                          Test
                        </RowButton>
                      )}
                      <RowButton label={`Edit ${hook.url}`} onClick={() => setEditing(hook)}>
                        Edit
                      </RowButton>
                      <RowButton
                        label={`Rotate the signing secret of ${hook.url}`}
                        onClick={() => setRotating(hook)}
                      >
                        Rotate secret
                      </RowButton>
                      {!hook.enabled && hook.disabledReason ? (
                        <RowButton
                          label={`Re-enable ${hook.url}`}
                          onClick={() => setReenabling(hook)}
                        >
                          Re-enable
                        </RowButton>
                      ) : (
                        <RowButton
                          label={`${hook.enabled ? 'Disable' : 'Enable'} ${hook.url}`}
                          onClick={() => toggle.mutate(hook)}
                        >
                          {hook.enabled ? 'Disable' : 'Enable'}
                        </RowButton>
                      )}
                      <RowButton
                        label={`Delete ${hook.url}`}
                        tone="danger"
                        onClick={() => setDeleting(hook)}
                      >
                        Delete
                      </RowButton>
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}
      <Dialog open={creating} title="New webhook" onClose={() => setCreating(false)} wide>
        <WebhookForm
          submitLabel="Create webhook"
          onCancel={() => setCreating(false)}
          onSubmit={async (fields) => {
            const hook = await patina.webhooks.create(createRequest(fields));
            setCreating(false);
            setSecret({ title: 'Webhook created', hook });
            await refresh();
          }}
        />
      </Dialog>
      <Dialog open={editing !== null} title="Edit webhook" onClose={() => setEditing(null)} wide>
        {editing && (
          <WebhookForm
            initial={editing}
            submitLabel="Save changes"
            onCancel={() => setEditing(null)}
            onSubmit={async (fields) => {
              const patch = patchOf(editing, fields);
              if (Object.keys(patch).length > 0) await patina.webhooks.update(editing.id, patch);
              setEditing(null);
              await refresh();
            }}
          />
        )}
      </Dialog>
      <SecretDialog
        open={secret !== null}
        title={secret?.title ?? 'Signing secret'}
        onClose={() => setSecret(null)}
      >
        {secret && <WebhookSecret hook={secret.hook} />}
      </SecretDialog>
      <ConfirmDialog
        open={rotating !== null}
        title="Rotate the signing secret?"
        onClose={() => setRotating(null)}
        tone="primary"
        label="Rotate secret"
        busy={rotate.isPending}
        error={rotate.error}
        onConfirm={() => rotating && rotate.mutate(rotating)}
      >
        <p>
          <code>{rotating?.url}</code> gets a new signing secret, shown once. For a day each request
          is signed with both the old and the new secret, so the receiver can switch without
          dropping events; after that only the new one verifies.
        </p>
      </ConfirmDialog>
      <Dialog open={testing !== null} title="Test delivery" onClose={() => setTesting(null)} wide>
        {testing && <TestDelivery hook={testing.hook} deliveryId={testing.deliveryId} />}
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={() => setTesting(null)}>
            Close
          </button>
        </div>
      </Dialog>
      <ConfirmDialog
        open={reenabling !== null}
        title="Re-enable this webhook?"
        onClose={() => setReenabling(null)}
        tone="primary"
        label="Re-enable webhook"
        busy={toggle.isPending}
        error={reenabling ? toggle.error : null}
        onConfirm={() => reenabling && toggle.mutate(reenabling)}
      >
        {reenabling && (
          <div className="stack">
            <p>
              <code>{reenabling.url}</code>: {disabledBecause(reenabling)}
            </p>
            <p>
              Re-enabled, it receives new events again; events from while it was disabled are not
              sent. Send it a test afterwards to see that it answers.
            </p>
          </div>
        )}
      </ConfirmDialog>
      <Dialog open={watching !== null} title="Deliveries" onClose={() => setWatching(null)} wide>
        {watching && <Deliveries hook={watching} />}
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={() => setWatching(null)}>
            Close
          </button>
        </div>
      </Dialog>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this webhook?"
        onClose={() => setDeleting(null)}
        tone="danger"
        label="Delete webhook"
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting)}
      >
        <p>
          <code>{deleting?.url}</code> stops receiving events at once, and events not yet delivered
          to it are dropped.
        </p>
      </ConfirmDialog>
    </>
  );
}
