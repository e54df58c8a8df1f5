import type { Webhook, WebhookDelivery } from '@patina/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { patina } from '../api.js';
import { ErrorNote } from '../components.js';
import { relativeTime } from '../format.js';
import { Ago, DataTable } from '../table.js';

const DELIVERY_BADGE: Record<WebhookDelivery['status'], string> = {
  DELIVERED: 'badge-active',
  PENDING: 'badge-expiring',
  FAILED: 'badge-expired',
};

/** How often the test dialog asks after its delivery until the first attempt is in. */
const WATCH_INTERVAL_MS = 500;

function deliveriesQuery(hook: Webhook) {
  return {
    queryKey: ['deliveries', hook.id],
    queryFn: () => patina.webhooks.deliveries(hook.id, { limit: 50 }),
  };
}

/** The endpoint's deliveries, newest first. */
export function Deliveries({ hook }: { hook: Webhook }) {
  const deliveries = useQuery(deliveriesQuery(hook));
  return (
    <>
      <p className="muted mono small">{hook.url}</p>
      <ErrorNote error={deliveries.error} />
      {deliveries.data && deliveries.data.length === 0 && (
        <p className="muted">Nothing sent yet.</p>
      )}
      {deliveries.data && deliveries.data.length > 0 && (
        <DeliveryTable deliveries={deliveries.data} />
      )}
    </>
  );
}

/** A test (ping) delivery, watched until its first attempt says whether the endpoint answered. */
export function TestDelivery({ hook, deliveryId }: { hook: Webhook; deliveryId: string }) {
  const queries = useQueryClient();
  const deliveries = useQuery({
    ...deliveriesQuery(hook),
    refetchInterval: (query) => {
      const delivery = query.state.data?.find((d) => d.id === deliveryId);
      return delivery && delivery.attempts.length > 0 ? false : WATCH_INTERVAL_MS;
    },
  });
  const delivery = deliveries.data?.find((d) => d.id === deliveryId);
  const last = delivery?.attempts[delivery.attempts.length - 1];
  const answered = last !== undefined;
  // An answer can change the endpoint's status (a 410 disables it): the list behind shows it.
  useEffect(() => {
    if (answered) void queries.invalidateQueries({ queryKey: ['webhooks'] });
  }, [answered, queries]);
  return (
    <div className="stack">
      <p className="muted mono small">{hook.url}</p>
      <ErrorNote error={deliveries.error} />
      {!last && (
        <p className="muted" role="status">
          Sending a <code>ping</code> event…
        </p>
      )}
      {delivery?.status === 'DELIVERED' && last && (
        <p className="success" role="status">
          Test delivered: the endpoint answered {last.statusCode} in {last.durationMs} ms.
        </p>
      )}
      {delivery && delivery.status !== 'DELIVERED' && last && (
        <p className="error" role="alert">
          Test failed: {last.statusCode !== null ? `HTTP ${last.statusCode}` : last.error}.{' '}
          {delivery.nextAttemptAt
            ? `Patina tries again ${relativeTime(delivery.nextAttemptAt)}.`
            : 'Patina gave up.'}
        </p>
      )}
      {delivery && <DeliveryTable deliveries={[delivery]} />}
    </div>
  );
}

function DeliveryTable({ deliveries }: { deliveries: WebhookDelivery[] }) {
  return (
    <DataTable caption="Deliveries" columns={['Event', 'Status', 'Attempts', 'Queued']}>
      {deliveries.map((d) => {
        const last = d.attempts[d.attempts.length - 1];
        return (
          <tr key={d.id}>
            <td data-label="Event">
              <code>{d.eventType}</code>
            </td>
            <td data-label="Status">
              <span className={`badge ${DELIVERY_BADGE[d.status]}`}>{d.status.toLowerCase()}</span>
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
              <Ago iso={d.created} />
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}
