import type { AuditEvent } from '@patina/contract';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { patina, RIGHTS, type SessionInfo } from '../api.js';
import { CopyButton, ErrorNote, PageHeader, StatusBadge } from '../components.js';
import { expiringRule } from '../expiry.js';
import { plural } from '../format.js';
import { getPat, type Pat } from '../tokens.js';
import { useTokenActions } from './TokenActions.js';
import { DpopValue } from './TokenDpop.js';
import { Ago, CodeList, DataTable, Fact, OutcomeBadge, When } from '../table.js';

// The usage chart and its code are a chunk of their own, as the approval pages are (App.tsx).
const TokenUsage = lazy(() => import('./TokenUsage.js').then((m) => ({ default: m.TokenUsage })));

/** How many exchanges the detail view shows. */
const RECENT = 10;

/** One PAT in full: every field the API gives, its recent exchanges, and what can be done to it. */
export function TokenDetail({ info }: { info: SessionInfo }) {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const pat = useQuery({ queryKey: ['pats', 'one', id], queryFn: () => getPat(id) });
  const own = pat.data?.owner.id === info.identity.id;
  const back = own || !info.rights.includes(RIGHTS.allRead) ? '/tokens' : '/admin/tokens';
  const canManage = info.rights.includes(own ? RIGHTS.myManage : RIGHTS.allManage);
  const actions = useTokenActions({ info, onDeleted: () => void navigate(back) });

  return (
    <>
      <p className="small">
        <Link to={back}>← {back === '/tokens' ? 'My tokens' : 'All tokens'}</Link>
      </p>
      {pat.isPending && <p className="loading">Loading token…</p>}
      <ErrorNote error={pat.error} />
      {pat.data && (
        <>
          <PageHeader
            title={pat.data.name}
            actions={
              canManage && (
                <>
                  <button
                    type="button"
                    className="button secondary"
                    onClick={() => actions.edit(pat.data)}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    className="button secondary"
                    onClick={() => actions.dpop(pat.data)}
                  >
                    {pat.data.requireDpop ? 'Stop requiring DPoP' : 'Require DPoP'}
                  </button>
                  <button
                    type="button"
                    className="button secondary"
                    onClick={() => actions.rotate(pat.data)}
                  >
                    Rotate
                  </button>
                  <button
                    type="button"
                    className="button danger"
                    onClick={() => actions.remove(pat.data)}
                  >
                    Delete
                  </button>
                </>
              )
            }
          />
          <Facts pat={pat.data} showOwner={!own} expiringSoonDays={info.policy.expiringSoonDays} />
          <Suspense fallback={<p className="loading">Loading usage…</p>}>
            <TokenUsage pat={pat.data} />
          </Suspense>
          <Exchanges pat={pat.data} info={info} />
        </>
      )}
      {actions.dialogs}
    </>
  );
}

function Facts(props: { pat: Pat; showOwner: boolean; expiringSoonDays: number }) {
  const { pat, showOwner, expiringSoonDays } = props;
  return (
    <dl className="facts">
      <Fact term="Client ID">
        <div className="copy-row">
          <code className="mono">{pat.id}</code>
          <CopyButton text={pat.id} label="Copy client ID" />
        </div>
      </Fact>
      <Fact term="Status">
        <StatusBadge status={pat.status} expiringSoonDays={expiringSoonDays} />
        {pat.managed && <span className="tag">Managed</span>}
      </Fact>
      {showOwner && <Fact term="Owner">{pat.owner.name}</Fact>}
      <Fact term="Description">{pat.description || <span className="muted">None</span>}</Fact>
      <Fact term="Scopes">
        <CodeList items={pat.scope} />
      </Fact>
      <Fact term="Created">
        <When iso={pat.created} />
      </Fact>
      <Fact term="Last used">
        {pat.lastUsed ? <When iso={pat.lastUsed} /> : <span className="muted">Never</span>}
      </Fact>
      <Fact term="Expires">
        {pat.expirationDate ? (
          <>
            <When iso={pat.expirationDate} />
            <span className="muted small block">{expiringRule(expiringSoonDays)}</span>
          </>
        ) : (
          <span className="muted">Never expires</span>
        )}
      </Fact>
      <Fact term="Access-token lifetime">{duration(pat.accessTokenValiditySeconds)}</Fact>
      <Fact term="DPoP">
        <DpopValue pat={pat} />
      </Fact>
      <Fact term="Allowed addresses">
        {pat.allowedCidrs ? (
          <ul className="plain-list">
            {pat.allowedCidrs.map((cidr) => (
              <li key={cidr}>
                <code>{cidr}</code>
              </li>
            ))}
          </ul>
        ) : (
          <span className="muted">Anywhere</span>
        )}
      </Fact>
      <Fact term="Last rotated">
        {pat.rotatedAt ? <When iso={pat.rotatedAt} /> : <span className="muted">Never</span>}
      </Fact>
      {pat.previousSecretValidUntil && (
        <Fact term="Old secret works until">
          <When iso={pat.previousSecretValidUntil} />
        </Fact>
      )}
      <Fact term="Used from">
        {pat.lastUsedFrom.length === 0 ? (
          <span className="muted">Nowhere yet</span>
        ) : (
          <ul className="plain-list">
            {pat.lastUsedFrom.map((source) => (
              <li key={source.ip}>
                <code>{source.ip}</code> <When iso={source.at} />
                {source.userAgent && <span className="muted small block">{source.userAgent}</span>}
              </li>
            ))}
          </ul>
        )}
      </Fact>
    </dl>
  );
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return `${seconds} seconds`;
}

/**
 * The PAT's recent exchanges, from the audit trail filtered by target. The audit API is open
 * only to administrators (all-read); others see the addresses above instead.
 */
function Exchanges({ pat, info }: { pat: Pat; info: SessionInfo }) {
  const allowed = info.rights.includes(RIGHTS.allRead);
  const events = useQuery({
    queryKey: ['audit', 'exchanges', pat.id],
    enabled: allowed,
    queryFn: async (): Promise<AuditEvent[]> => {
      const [used, failed] = await Promise.all(
        (['PERSONAL_ACCESS_TOKEN_USED', 'PERSONAL_ACCESS_TOKEN_USE_FAILED'] as const).map((type) =>
          patina.audit.list({ targetId: pat.id, type, limit: RECENT }),
        ),
      );
      return [...(used ?? []), ...(failed ?? [])]
        .sort((a, b) => b.time.localeCompare(a.time))
        .slice(0, RECENT);
    },
  });
  return (
    <section aria-labelledby="exchanges-heading">
      <h2 id="exchanges-heading">Recent exchanges</h2>
      {allowed && (
        <p className="muted small">
          From the audit trail, which records a token’s first exchange of each day and every refused
          one.
        </p>
      )}
      {!allowed && (
        <p className="muted">
          The audit trail is open to administrators; the addresses above are the token’s recent
          ones.
        </p>
      )}
      <ErrorNote error={events.error} />
      {events.data?.length === 0 && <p className="muted">No exchanges recorded.</p>}
      {events.data && events.data.length > 0 && (
        <DataTable
          caption={`Recent exchanges of ${pat.name}`}
          columns={['When', 'Outcome', 'Address', 'User agent']}
        >
          {events.data.map((event) => (
            <tr key={event.id}>
              <td data-label="When">
                <Ago iso={event.time} />
              </td>
              <td data-label="Outcome">
                <OutcomeBadge outcome={event.outcome} />
              </td>
              <td data-label="Address">
                <code>{event.sourceIp ?? '—'}</code>
              </td>
              <td data-label="User agent" className="small">
                {event.userAgent ?? '—'}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
