import type { ScimEvent } from '@patina/contract';
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { patina } from '../api.js';
import { EmptyState, ErrorNote } from '../components.js';
import { Ago, DataTable } from '../table.js';

/** How many of the directory's requests the page shows (issue 28: the last 50). */
const SHOWN = 50;

/** "Created user", "Deactivated …" is not known from the request alone: the verb and the thing. */
function operation(event: ScimEvent): string {
  const thing =
    event.resourceType === 'Group' ? 'group' : event.resourceType === 'User' ? 'user' : '';
  const verb: Record<string, string> = {
    GET: 'Read',
    POST: 'Create',
    PUT: 'Replace',
    PATCH: 'Update',
    DELETE: 'Delete',
  };
  return [verb[event.method] ?? event.method, thing].filter(Boolean).join(' ');
}

function Result({ status }: { status: number }) {
  const ok = status < 400;
  return (
    <span className={`badge ${ok ? 'badge-active' : 'badge-expired'}`}>
      {ok ? 'OK' : 'Failed'} ({status})
    </span>
  );
}

/** The directory's latest requests to /scim/v2 and how each ended, newest first. */
export function ProvisioningEvents() {
  const headingId = useId();
  const events = useQuery({
    queryKey: ['scim-events'],
    queryFn: () => patina.scim.events({ limit: SHOWN }),
  });
  return (
    <section className="section" aria-labelledby={headingId}>
      <div className="section-head">
        <h2 id={headingId}>3. Recent provisioning events</h2>
        <span className="muted small">The directory’s last {SHOWN} requests, newest first.</span>
      </div>
      <ErrorNote error={events.error} />
      {events.data &&
        (events.data.length === 0 ? (
          <EmptyState title="No provisioning yet">
            Once the directory is set up, each of its requests shows here with its result.
          </EmptyState>
        ) : (
          <DataTable
            caption="Provisioning events"
            columns={['When', 'Operation', 'Resource', 'Result', 'Detail']}
          >
            {events.data.map((event) => (
              <tr key={event.id}>
                <td data-label="When">
                  <Ago iso={event.time} />
                </td>
                <td data-label="Operation">
                  {operation(event)}
                  <div className="muted small">
                    <code>
                      {event.method} {event.path}
                    </code>
                  </div>
                </td>
                <td data-label="Resource">
                  {event.name ?? event.externalId ?? event.resourceId ?? '—'}
                </td>
                <td data-label="Result">
                  <Result status={event.status} />
                </td>
                <td data-label="Detail">{event.message ?? '—'}</td>
              </tr>
            ))}
          </DataTable>
        ))}
    </section>
  );
}
