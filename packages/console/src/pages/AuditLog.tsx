import { AUDIT_EVENT_TYPES, type AuditEventType } from '@patina/contract';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { patina } from '../api.js';
import { ErrorNote, PageHeader } from '../components.js';
import { dateTime, relativeTime } from '../format.js';

const PAGE = 25;

export function AuditLog() {
  const [page, setPage] = useState(0);
  const [type, setType] = useState<AuditEventType | ''>('');
  const events = useQuery({
    queryKey: ['audit', type, page],
    queryFn: () =>
      patina.audit.list({ limit: PAGE + 1, offset: page * PAGE, ...(type && { type }) }),
    placeholderData: keepPreviousData,
  });
  const rows = events.data?.slice(0, PAGE) ?? [];
  const more = (events.data?.length ?? 0) > PAGE;
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Everything done with tokens and identities, newest first."
      />
      <div className="toolbar">
        <label>
          Event type
          <select
            value={type}
            onChange={(e) => {
              setType(e.target.value as AuditEventType | '');
              setPage(0);
            }}
          >
            <option value="">All events</option>
            {AUDIT_EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={events.error} />
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Audit events</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((event) => (
              <tr key={event.id}>
                <td data-label="When">
                  <time dateTime={event.time} title={dateTime(event.time)}>
                    {relativeTime(event.time)}
                  </time>
                </td>
                <td data-label="Event">
                  <code>{event.type}</code>
                </td>
                <td data-label="Actor">{event.actor?.name ?? '—'}</td>
                <td data-label="Target">{event.target?.name ?? event.target?.id ?? '—'}</td>
                <td data-label="Outcome">
                  <span
                    className={`badge ${event.outcome === 'SUCCESS' ? 'badge-active' : 'badge-expired'}`}
                  >
                    {event.outcome === 'SUCCESS' ? 'Success' : 'Failure'}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Audit pages">
        <button
          type="button"
          className="button secondary small"
          disabled={page === 0}
          onClick={() => setPage(page - 1)}
        >
          Newer
        </button>
        <span className="muted small">Page {page + 1}</span>
        <button
          type="button"
          className="button secondary small"
          disabled={!more}
          onClick={() => setPage(page + 1)}
        >
          Older
        </button>
      </nav>
    </>
  );
}
