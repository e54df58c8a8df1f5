import { SSF_DELIVERY_PUSH, type Identity, type SsfStream } from '@patina/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { patina, RIGHTS, type SessionInfo } from '../api.js';
import { ConfirmDialog, EmptyState, ErrorNote, PageHeader } from '../components.js';
import { Ago, DataTable, RowButton } from '../table.js';

const STATUS_BADGE: Record<SsfStream['status'], string> = {
  enabled: 'badge-active',
  paused: 'badge-expiring',
  disabled: 'badge-expired',
};
const STATUS_TEXT: Record<SsfStream['status'], string> = {
  enabled: 'Enabled',
  paused: 'Paused',
  disabled: 'Disabled',
};

/** Every stream (at most `ssf.maxStreams`, 1,000 by default): a few pages of the admin API. */
async function allStreams(): Promise<SsfStream[]> {
  const streams: SsfStream[] = [];
  for await (const stream of patina.ssfStreams.iterate({ limit: 250 })) streams.push(stream);
  return streams;
}

const method = (stream: SsfStream) =>
  stream.deliveryMethod === SSF_DELIVERY_PUSH ? 'Push' : 'Poll';

/**
 * Shared Signals streams: what receivers registered (`POST /ssf/streams`) to hear of PAT changes,
 * across every client, and the way to remove one whose receiver is gone or not trusted.
 */
export function Streams({ info }: { info: SessionInfo }) {
  const queries = useQueryClient();
  const streams = useQuery({ queryKey: ['ssf-streams'], queryFn: allStreams });
  // Owners by name; the same query as the Identities page, so it is shared.
  const identities = useQuery({
    queryKey: ['identities'],
    queryFn: () => patina.identities.list({ limit: 250 }),
  });
  const [deleting, setDeleting] = useState<SsfStream | null>(null);
  const canManage = info.rights.includes(RIGHTS.allManage);
  const remove = useMutation({
    mutationFn: (stream: SsfStream) => patina.ssfStreams.delete(stream.id),
    onSuccess: async () => {
      setDeleting(null);
      await queries.invalidateQueries({ queryKey: ['ssf-streams'] });
    },
  });
  const owners = new Map((identities.data ?? []).map((i: Identity) => [i.id, i.name]));
  const ownerOf = (stream: SsfStream) =>
    stream.ownerId === null ? null : (owners.get(stream.ownerId) ?? stream.ownerId);

  return (
    <>
      <PageHeader
        title="Streams"
        description="Shared Signals streams: receivers that registered to hear when PATs change (CAEP events, by push or poll). A stream stops when the PAT that made it ends."
      />
      <ErrorNote error={streams.error} />
      {streams.data && streams.data.length === 0 && (
        <EmptyState title="No streams">
          <p>
            A receiver registers one at <code>POST /ssf/streams</code> with an access token of a PAT
            that holds <code>ssf.manage</code>.
          </p>
        </EmptyState>
      )}
      {streams.data && streams.data.length > 0 && (
        <DataTable
          caption="Shared Signals streams"
          columns={['Client', 'Owner', 'Method', 'Endpoint', 'Status', 'Active', 'Created']}
          actions={canManage && 'Actions'}
        >
          {streams.data.map((stream) => {
            const owner = ownerOf(stream);
            return (
              <tr key={stream.id}>
                <td data-label="Client">
                  <div>
                    <code className="mono">{stream.clientId}</code>
                    {stream.description && <div className="muted small">{stream.description}</div>}
                  </div>
                </td>
                <td data-label="Owner">
                  {owner === null ? <span className="muted">PAT gone</span> : <span>{owner}</span>}
                </td>
                <td data-label="Method">
                  <span>{method(stream)}</span>
                </td>
                <td data-label="Endpoint">
                  {stream.endpointUrl ? (
                    <code className="mono">{stream.endpointUrl}</code>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td data-label="Status">
                  <div>
                    <span className={`badge ${STATUS_BADGE[stream.status]}`}>
                      {STATUS_TEXT[stream.status]}
                    </span>
                    {stream.statusReason && (
                      <div className="muted small">{stream.statusReason}</div>
                    )}
                  </div>
                </td>
                <td data-label="Active">
                  {stream.active ? (
                    <span className="badge badge-active">Active</span>
                  ) : (
                    <span
                      className="badge badge-expired"
                      title="Its PAT has ended or its owner is disabled: it takes and sends no event"
                    >
                      Inactive
                    </span>
                  )}
                </td>
                <td data-label="Created">
                  <Ago iso={stream.created} />
                </td>
                {canManage && (
                  <td className="row-actions">
                    <RowButton
                      label={`Delete stream ${stream.id}`}
                      tone="danger"
                      onClick={() => setDeleting(stream)}
                    >
                      Delete
                    </RowButton>
                  </td>
                )}
              </tr>
            );
          })}
        </DataTable>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this stream?"
        onClose={() => setDeleting(null)}
        tone="danger"
        label="Delete stream"
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting)}
      >
        {deleting && (
          <div className="stack">
            <p>
              The receiver of client <code className="mono">{deleting.clientId}</code>
              {deleting.endpointUrl && (
                <>
                  {' '}
                  at <code className="mono">{deleting.endpointUrl}</code>
                </>
              )}{' '}
              stops getting security events at once, and events not yet delivered to it are dropped.
              It must register a new stream to hear of PAT changes again.
            </p>
            <p className="muted small">
              Stream <code className="mono">{deleting.id}</code>
            </p>
          </div>
        )}
      </ConfirmDialog>
    </>
  );
}
