import type { AuditEvent } from '@patina/contract';
import type { ReactNode } from 'react';
import { dateTime } from '../format.js';

/** Why an exchange or a revocation failed or happened, in words (details.reason). */
const REASONS: Record<string, string> = {
  unknown_client: 'Unknown client ID',
  wrong_secret: 'Wrong secret',
  expired: 'Token expired',
  deleted: 'Token deleted',
  revoked: 'Token revoked',
  owner_disabled: 'Owner disabled',
  rotated_secret_reused: 'Secret from before a rotation reused',
  ip_not_allowed: 'Address not allowed',
  LEAKED: 'Leaked',
  INACTIVE: 'Inactive',
  OFFBOARDED: 'Owner offboarded',
  REUSED: 'Old secret reused',
  GONE: 'Endpoint answered 410 Gone',
  FAILING: 'Endpoint kept failing',
  ADMIN: 'By an administrator',
};

/** The event's reason (details.reason), readable; null when it has none. */
export function reasonOf(event: AuditEvent): string | null {
  const reason = event.details.reason;
  if (typeof reason !== 'string' || reason === '') return null;
  return REASONS[reason] ?? reason.replaceAll('_', ' ').toLowerCase();
}

/**
 * Who acted: an identity, or nobody signed in (a failed exchange comes from an address, not an
 * identity), or Patina itself (its sweeps record no address).
 */
export function actorOf(event: AuditEvent): string {
  return event.actor.name ?? event.actor.id ?? (event.sourceIp ? 'Not signed in' : 'Patina');
}

export function targetOf(event: AuditEvent): string {
  return event.target.name ?? event.target.id ?? '—';
}

/** A detail's value as text: strings as they are, anything else as JSON. */
function detailText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

/** Every field of one audit event, as a description list. */
export function AuditRecord({ event }: { event: AuditEvent }) {
  const reason = reasonOf(event);
  const rows: [string, ReactNode][] = [
    ['Event', <code key="type">{event.type}</code>],
    [
      'When',
      <time key="time" dateTime={event.time}>
        {dateTime(event.time)} <span className="muted small mono">({event.time})</span>
      </time>,
    ],
    ['Outcome', event.outcome === 'SUCCESS' ? 'Success' : `Failure${reason ? `: ${reason}` : ''}`],
    ['Actor', <Who key="actor" name={actorOf(event)} id={event.actor.id} />],
    [
      'Target',
      <Who
        key="target"
        name={`${event.target.name ?? '—'} (${event.target.type.toLowerCase().replaceAll('_', ' ')})`}
        id={event.target.id}
      />,
    ],
    ['Source address', event.sourceIp ?? '—'],
    ['User agent', event.userAgent ?? '—'],
    [
      'Tracking ID',
      <span key="tracking" className="mono">
        {event.trackingId ?? '—'}
      </span>,
    ],
    [
      'Event ID',
      <span key="id" className="mono">
        {event.id}
      </span>,
    ],
  ];
  const details = Object.entries(event.details);
  return (
    <div className="stack">
      <dl className="record">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {details.length > 0 && (
        <>
          <h3>Details</h3>
          <dl className="record">
            {details.map(([key, value]) => (
              <div key={key}>
                <dt className="mono">{key}</dt>
                <dd className={typeof value === 'string' ? undefined : 'mono pre'}>
                  {detailText(value)}
                </dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </div>
  );
}

function Who({ name, id }: { name: string; id: string | null }) {
  return (
    <>
      {name}
      {id && <div className="muted small mono">{id}</div>}
    </>
  );
}
