import type { PatRequest, PatRequestStatus } from '@patina/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { SessionInfo } from '../api.js';
import {
  CommentField,
  Dialog,
  EmptyState,
  ErrorNote,
  FormActions,
  PageHeader,
  SecretDialog,
  useNotice,
} from '../components.js';
import { date, plural } from '../format.js';
import { approveRequest, denyRequest, fetchSecret, listRequests } from '../governance.js';
import { Ago, CodeList, DataTable, RowButton } from '../table.js';
import type { NewPat } from '../tokens.js';
import { GovernanceTabs } from './GovernanceTabs.js';
import { SecretShown } from './SecretShown.js';

const STATUS: Record<PatRequestStatus, { text: string; className: string; meaning: string }> = {
  PENDING: { text: 'Pending', className: 'badge-pending', meaning: 'Waiting for an approver.' },
  APPROVED: {
    text: 'Approved',
    className: 'badge-active',
    meaning: 'Approved: the secret waits to be revealed, once.',
  },
  FULFILLED: {
    text: 'Fulfilled',
    className: 'badge-neutral',
    meaning: 'Done: the secret was revealed or the scope applied.',
  },
  DENIED: { text: 'Denied', className: 'badge-expired', meaning: 'Denied: nothing was made.' },
  EXPIRED: {
    text: 'Expired',
    className: 'badge-expired',
    meaning: 'Nobody answered (or the secret was not fetched) in time: nothing was made.',
  },
};

export function RequestStatusBadge({ status }: { status: PatRequestStatus }) {
  const s = STATUS[status];
  return (
    <span className={`badge ${s.className}`} title={s.meaning}>
      {s.text}
    </span>
  );
}

type Decision = { request: PatRequest; approve: boolean };

/**
 * Requests for PATs with sensitive scopes (config `approval.rules`): those the caller may decide,
 * with what an approver needs to say yes or no, and the caller's own, with their status and, once
 * approved, the one-time reveal of the new PAT's secret.
 */
export function Requests({ info }: { info: SessionInfo }) {
  const queries = useQueryClient();
  const announce = useNotice();
  const requests = useQuery({ queryKey: ['pat-requests'], queryFn: listRequests });
  const [deciding, setDeciding] = useState<Decision | null>(null);
  const [secret, setSecret] = useState<NewPat | null>(null);
  const all = requests.data ?? [];
  const toDecide = all.filter((r) => r.status === 'PENDING' && r.canDecide);
  const mine = all
    .filter((r) => r.requester.id === info.identity.id)
    .sort((a, b) => b.created.localeCompare(a.created));
  const refresh = () => queries.invalidateQueries({ queryKey: ['pat-requests'] });

  const reveal = useMutation({
    mutationFn: (request: PatRequest) => fetchSecret(request.id),
    onSuccess: async (pat) => {
      setSecret(pat);
      await Promise.all([refresh(), queries.invalidateQueries({ queryKey: ['pats'] })]);
    },
  });

  return (
    <>
      <GovernanceTabs info={info} />
      <PageHeader
        title="Requests"
        description="Tokens with sensitive scopes wait for someone else’s yes. Approvers decide here; requesters follow their requests and reveal an approved token’s secret, once."
      />
      <ErrorNote error={requests.error} />
      {requests.isPending && <p className="loading">Loading requests…</p>}
      {requests.data && (
        <>
          <section className="section" aria-labelledby="to-decide">
            <div className="section-head">
              <h2 id="to-decide">Waiting for your decision</h2>
              <span className="muted small">{plural(toDecide.length, 'request')}</span>
            </div>
            {toDecide.length === 0 ? (
              <p className="muted">Nothing waits for you.</p>
            ) : (
              <DataTable
                caption="Requests waiting for your decision"
                columns={[
                  'Token',
                  'Requester',
                  'Sensitive scopes',
                  'Justification',
                  'Ticket',
                  'Expires',
                ]}
                actions="Actions"
              >
                {toDecide.map((request) => (
                  <tr key={request.id}>
                    <td data-label="Token">
                      <div className="name">{request.name}</div>
                      <span className="muted small block">
                        {request.kind === 'CREATE' ? 'New token' : 'Scope added'}
                        {request.owner.id !== request.requester.id &&
                          `, owned by ${request.owner.name}`}
                      </span>
                    </td>
                    <td data-label="Requester">
                      {request.requester.name}
                      <span className="muted small block">
                        <Ago iso={request.created} />
                      </span>
                    </td>
                    <td data-label="Sensitive scopes" className="keep">
                      <CodeList items={request.sensitiveScopes} />
                    </td>
                    <td data-label="Justification">
                      <span className="justification">{request.justification}</span>
                    </td>
                    <td data-label="Ticket">
                      {request.ticketUrl ? (
                        <TicketLink url={request.ticketUrl} />
                      ) : (
                        <span className="muted">None</span>
                      )}
                    </td>
                    <td data-label="Expires">
                      <Ago iso={request.expiresAt} />
                    </td>
                    <td className="row-actions">
                      <RowButton
                        label={`Approve ${request.name}`}
                        onClick={() => setDeciding({ request, approve: true })}
                      >
                        Approve
                      </RowButton>
                      <RowButton
                        label={`Deny ${request.name}`}
                        tone="danger"
                        onClick={() => setDeciding({ request, approve: false })}
                      >
                        Deny
                      </RowButton>
                    </td>
                  </tr>
                ))}
              </DataTable>
            )}
          </section>

          <section className="section" aria-labelledby="my-requests">
            <div className="section-head">
              <h2 id="my-requests">Your requests</h2>
              <span className="muted small">{plural(mine.length, 'request')}</span>
            </div>
            <ErrorNote error={reveal.error} />
            {mine.length === 0 ? (
              <EmptyState title="No requests">
                <p>
                  A token with a sensitive scope asks an approver first: create it on My tokens with
                  a justification, and follow it here.
                </p>
              </EmptyState>
            ) : (
              <DataTable
                caption="Your requests"
                columns={['Token', 'Sensitive scopes', 'Status', 'Asked', 'Decision']}
                actions="Actions"
              >
                {mine.map((request) => (
                  <tr key={request.id}>
                    <td data-label="Token">
                      <div className="name">{request.name}</div>
                      <code className="muted small">{request.id}</code>
                    </td>
                    <td data-label="Sensitive scopes" className="keep">
                      <CodeList items={request.sensitiveScopes} />
                    </td>
                    <td data-label="Status">
                      <RequestStatusBadge status={request.status} />
                    </td>
                    <td data-label="Asked">
                      <Ago iso={request.created} />
                      {request.status === 'PENDING' && (
                        <span className="muted small block">expires {date(request.expiresAt)}</span>
                      )}
                    </td>
                    <td data-label="Decision">
                      {request.decidedBy ? (
                        <>
                          {request.decidedBy.name}
                          {request.comment && (
                            <span className="muted small block justification">
                              “{request.comment}”
                            </span>
                          )}
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="row-actions">
                      {request.status === 'APPROVED' && request.kind === 'CREATE' && (
                        <>
                          <RowButton
                            label={`Reveal secret of ${request.name}`}
                            disabled={reveal.isPending}
                            onClick={() => reveal.mutate(request)}
                          >
                            Reveal secret
                          </RowButton>
                          {request.secretAvailableUntil && (
                            <span className="muted small block">
                              until <Ago iso={request.secretAvailableUntil} />
                            </span>
                          )}
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </DataTable>
            )}
          </section>
        </>
      )}

      <DecisionDialog
        decision={deciding}
        onClose={() => setDeciding(null)}
        onDecided={(request) => {
          setDeciding(null);
          announce(
            request.status === 'DENIED'
              ? `Denied “${request.name}”: nothing is made.`
              : `Approved “${request.name}”: ${request.requester.name} can now reveal its secret.`,
          );
          void refresh();
        }}
      />
      <SecretDialog
        open={secret !== null}
        title="Token approved"
        onClose={() => setSecret(null)}
        wide
      >
        {secret && <SecretShown pat={secret} baseUrl={info.baseUrl} />}
      </SecretDialog>
    </>
  );
}

/** A ticket's address as a link that opens apart from the console. */
function TicketLink({ url }: { url: string }) {
  let shown = url;
  try {
    const parsed = new URL(url);
    shown = `${parsed.host}${parsed.pathname}`;
  } catch {
    // The server checked the shape; a link that does not parse is shown as it is.
  }
  return (
    <a href={url} target="_blank" rel="noreferrer noopener" className="break-anywhere">
      {shown}
    </a>
  );
}

/**
 * Approve (with an optional comment) or deny (with a comment the requester reads), after saying
 * what the decision makes.
 */
function DecisionDialog(props: {
  decision: Decision | null;
  onClose: () => void;
  onDecided: (request: PatRequest) => void;
}) {
  const request = props.decision?.request;
  const approve = props.decision?.approve ?? true;
  return (
    <Dialog
      open={props.decision !== null}
      title={`${approve ? 'Approve' : 'Deny'} “${request?.name ?? ''}”?`}
      onClose={props.onClose}
    >
      {request && (
        <DecisionForm
          key={`${request.id}-${approve}`}
          request={request}
          approve={approve}
          onCancel={props.onClose}
          onDecided={props.onDecided}
        />
      )}
    </Dialog>
  );
}

function DecisionForm(props: {
  request: PatRequest;
  approve: boolean;
  onCancel: () => void;
  onDecided: (request: PatRequest) => void;
}) {
  const { request, approve } = props;
  const [comment, setComment] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const decide = useMutation({
    mutationFn: () =>
      approve
        ? approveRequest(request.id, comment.trim())
        : denyRequest(request.id, comment.trim()),
    onSuccess: props.onDecided,
  });
  return (
    <form
      className="stack"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!approve && comment.trim() === '') {
          setMissing('Say why: the requester reads it.');
          return;
        }
        decide.mutate();
      }}
    >
      {approve ? (
        <p>
          {request.kind === 'CREATE' ? (
            <>
              <strong>{request.owner.name}</strong> gets the token <strong>{request.name}</strong>{' '}
              with{' '}
            </>
          ) : (
            <>
              <strong>{request.name}</strong> of <strong>{request.owner.name}</strong> gains{' '}
            </>
          )}
          {request.sensitiveScopes.map((scope, i) => (
            <span key={scope}>
              {i > 0 && ', '}
              <code>{scope}</code>
            </span>
          ))}
          {request.expirationDate ? `, until ${date(request.expirationDate)}` : ''}.{' '}
          {request.kind === 'CREATE' &&
            `${request.requester.name} can then reveal its secret, once.`}
        </p>
      ) : (
        <p>
          Nothing is made. <strong>{request.requester.name}</strong> is told, with your comment.
        </p>
      )}
      <CommentField
        value={comment}
        required={!approve}
        error={missing}
        onChange={(value) => {
          setComment(value);
          setMissing(null);
        }}
      />
      <FormActions
        error={decide.error}
        onCancel={props.onCancel}
        disabled={decide.isPending}
        danger={!approve}
      >
        {approve ? 'Approve request' : 'Deny request'}
      </FormActions>
    </form>
  );
}
