import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { messageOf, patina, RIGHTS, type SessionInfo } from '../api.js';
import { ConfirmDialog, ErrorNote, PageHeader } from '../components.js';
import { Ago, DataTable } from '../table.js';

const STATUS_TEXT: Record<string, string> = {
  signing: 'Signing',
  verifying: 'Verifying',
  expired: 'Expired',
};

export function SigningKeys({ info }: { info: SessionInfo }) {
  const queries = useQueryClient();
  const keys = useQuery({ queryKey: ['keys'], queryFn: () => patina.signingKeys.list() });
  const [confirming, setConfirming] = useState(false);
  const rotate = useMutation({
    mutationFn: () => patina.signingKeys.rotate(),
    onSuccess: async () => {
      setConfirming(false);
      await queries.invalidateQueries({ queryKey: ['keys'] });
    },
  });
  return (
    <>
      <PageHeader
        title="Signing keys"
        description="The keys that sign access tokens. Resource servers fetch the public halves from the JWKS."
        actions={
          info.rights.includes(RIGHTS.allManage) && (
            <button type="button" className="button primary" onClick={() => setConfirming(true)}>
              Rotate key
            </button>
          )
        }
      />
      <ErrorNote error={keys.error} />
      <DataTable caption="Signing keys" columns={['Key id', 'Algorithm', 'Status', 'Created']}>
        {(keys.data ?? []).map((key) => (
          <tr key={key.kid}>
            <td data-label="Key id">
              <code className="mono">{key.kid}</code>
            </td>
            <td data-label="Algorithm">{key.alg}</td>
            <td data-label="Status">
              <span
                className={`badge badge-${key.status === 'signing' ? 'active' : key.status === 'verifying' ? 'expiring' : 'expired'}`}
              >
                {STATUS_TEXT[key.status] ?? key.status}
              </span>
            </td>
            <td data-label="Created">
              <Ago iso={key.created} />
            </td>
          </tr>
        ))}
      </DataTable>
      <ConfirmDialog
        open={confirming}
        title="Rotate the signing key?"
        onClose={() => setConfirming(false)}
        tone="primary"
        label="Rotate key"
        busy={rotate.isPending}
        error={rotate.error && messageOf(rotate.error)}
        onConfirm={() => rotate.mutate()}
      >
        <p>
          New access tokens are signed with a new key from now on. The current key keeps verifying
          the tokens it signed until they expire, so nothing breaks.
        </p>
      </ConfirmDialog>
    </>
  );
}
