import { AUDIT_EVENT_TYPES, type AuditEvent, type AuditEventType } from '@patina/contract';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { patina } from '../api.js';
import { Dialog, ErrorNote, PageHeader } from '../components.js';
import { DAY, relativeTime } from '../format.js';
import { actorOf, AuditRecord, reasonOf, targetOf } from './AuditRecord.js';
import { Ago, DataTable, OutcomeBadge, RowButton } from '../table.js';

const PAGE = 25;

interface Filters {
  type: AuditEventType | '';
  actorId: string;
  targetId: string;
  /** Calendar days (yyyy-mm-dd) in the browser's time zone, both included. */
  fromDay: string;
  toDay: string;
}

const NO_FILTERS: Filters = { type: '', actorId: '', targetId: '', fromDay: '', toDay: '' };

/** The API's query: `from` inclusive, `to` exclusive, so the last day runs to the next midnight. */
function queryOf(filters: Filters) {
  const midnight = (day: string) => new Date(`${day}T00:00:00`);
  return {
    ...(filters.type && { type: filters.type }),
    ...(filters.actorId && { actorId: filters.actorId }),
    ...(filters.targetId.trim() && { targetId: filters.targetId.trim() }),
    ...(filters.fromDay && { from: midnight(filters.fromDay).toISOString() }),
    ...(filters.toDay && {
      to: new Date(midnight(filters.toDay).getTime() + DAY).toISOString(),
    }),
  };
}

export function AuditLog() {
  const [page, setPage] = useState(0);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [open, setOpen] = useState<AuditEvent | null>(null);
  const set = (change: Partial<Filters>) => {
    setFilters({ ...filters, ...change });
    setPage(0);
  };
  const identities = useQuery({
    queryKey: ['identities'],
    queryFn: () => patina.identities.list({ limit: 250 }),
  });
  const events = useQuery({
    queryKey: ['audit', filters, page],
    queryFn: () => patina.audit.list({ limit: PAGE + 1, offset: page * PAGE, ...queryOf(filters) }),
    placeholderData: keepPreviousData,
  });
  const rows = events.data?.slice(0, PAGE) ?? [];
  const more = (events.data?.length ?? 0) > PAGE;
  const actors = identities.data ?? [];
  const filtered = Object.values(filters).some((value) => value !== '');
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Everything done with tokens and identities, newest first."
      />
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Event type
          <select
            value={filters.type}
            onChange={(e) => set({ type: e.target.value as AuditEventType | '' })}
          >
            <option value="">All events</option>
            {AUDIT_EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Actor
          <select value={filters.actorId} onChange={(e) => set({ actorId: e.target.value })}>
            <option value="">Anyone</option>
            {filters.actorId && !actors.some((a) => a.id === filters.actorId) && (
              <option value={filters.actorId}>{filters.actorId}</option>
            )}
            {actors.map((identity) => (
              <option key={identity.id} value={identity.id}>
                {identity.name} ({identity.login})
              </option>
            ))}
          </select>
        </label>
        <label>
          Target ID
          <input
            type="search"
            className="mono"
            value={filters.targetId}
            onChange={(e) => set({ targetId: e.target.value })}
          />
        </label>
        <label>
          From
          <input
            type="date"
            value={filters.fromDay}
            max={filters.toDay || undefined}
            onChange={(e) => set({ fromDay: e.target.value })}
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={filters.toDay}
            min={filters.fromDay || undefined}
            onChange={(e) => set({ toDay: e.target.value })}
          />
        </label>
        {filtered && (
          <button
            type="button"
            className="button secondary small"
            onClick={() => {
              setFilters(NO_FILTERS);
              setPage(0);
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      <ErrorNote error={events.error} />
      <DataTable
        caption="Audit events"
        columns={['When', 'Event', 'Actor', 'Target', 'Outcome', 'Source']}
        actions="Record"
      >
        {events.data && rows.length === 0 && (
          <tr>
            <td colSpan={7} className="muted">
              {filtered ? 'No event matches these filters.' : 'Nothing recorded yet.'}
            </td>
          </tr>
        )}
        {rows.map((event) => {
          const reason = reasonOf(event);
          return (
            <tr key={event.id}>
              <td data-label="When">
                <Ago iso={event.time} />
              </td>
              <td data-label="Event">
                <code>{event.type}</code>
              </td>
              <td data-label="Actor">{actorOf(event)}</td>
              <td data-label="Target" className="break-anywhere">
                {targetOf(event)}
              </td>
              <td data-label="Outcome">
                <OutcomeBadge outcome={event.outcome} />
                {reason && <div className="small">{reason}</div>}
              </td>
              <td data-label="Source">
                {event.sourceIp || event.userAgent ? (
                  <div>
                    {event.sourceIp && <div className="mono small">{event.sourceIp}</div>}
                    {event.userAgent && (
                      <div className="muted small clip" title={event.userAgent}>
                        {event.userAgent}
                      </div>
                    )}
                  </div>
                ) : (
                  '—'
                )}
              </td>
              <td className="row-actions">
                <RowButton
                  label={`Open the record of ${event.type} ${relativeTime(event.time)}`}
                  onClick={() => setOpen(event)}
                >
                  Open
                </RowButton>
              </td>
            </tr>
          );
        })}
      </DataTable>
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
      <Dialog open={open !== null} title="Audit event" onClose={() => setOpen(null)} wide>
        {open && <AuditRecord event={open} />}
        <div className="dialog-actions">
          {open?.actor.id && (
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                set({ actorId: open.actor.id ?? '' });
                setOpen(null);
              }}
            >
              Events by this actor
            </button>
          )}
          {open?.target.id && (
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                set({ targetId: open.target.id ?? '' });
                setOpen(null);
              }}
            >
              Events about this target
            </button>
          )}
          <button type="button" className="button primary" onClick={() => setOpen(null)} autoFocus>
            Close
          </button>
        </div>
      </Dialog>
    </>
  );
}
