import type { TrustPolicy } from '@patina/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { RIGHTS, trustPolicies, type SessionInfo } from '../api.js';
import { Dialog, EmptyState, ErrorNote, PageHeader, useNotice } from '../components.js';
import { Ago, CodeList, DataTable } from '../table.js';
import { NewTrustPolicyForm } from './TrustPolicyForm.js';

/** A policy's state as a badge. */
export function EnabledBadge({ policy }: { policy: TrustPolicy }) {
  return (
    <span className={`badge ${policy.enabled ? 'badge-active' : 'badge-expired'}`}>
      {policy.enabled ? 'Enabled' : 'Disabled'}
    </span>
  );
}

/** Who the workload acts as: the identity's name, or its id if it has none to show. */
export function identityText(policy: TrustPolicy): string {
  return policy.identityName ?? policy.identityId;
}

/**
 * Trust policies (workload identity federation): which workloads, proven by their platform's OIDC
 * token, may exchange it for an access token, as which identity and with which scopes.
 */
export function TrustPolicies({ info }: { info: SessionInfo }) {
  const queries = useQueryClient();
  const announce = useNotice();
  const policies = useQuery({ queryKey: ['trust-policies'], queryFn: trustPolicies.list });
  const [creating, setCreating] = useState(false);
  const canManage = info.rights.includes(RIGHTS.allManage);

  return (
    <>
      <PageHeader
        title="Trust policies"
        description="Workloads (GitHub Actions, GitLab CI, Kubernetes…) trade the OIDC token their platform gives them for a short-lived Patina access token: no secret to store or rotate."
        actions={
          canManage && (
            <button type="button" className="button primary" onClick={() => setCreating(true)}>
              New trust policy
            </button>
          )
        }
      />
      <ErrorNote error={policies.error} />
      {policies.isPending && <p className="loading">Loading trust policies…</p>}
      {policies.data && policies.data.length === 0 && (
        <EmptyState title="No trust policies yet">
          <p>
            Add one to let a CI pipeline or a cluster workload call Patina&apos;s APIs without a
            personal access token.
          </p>
        </EmptyState>
      )}
      {policies.data && policies.data.length > 0 && (
        <DataTable
          caption="Trust policies"
          columns={['Name', 'Issuer', 'Acts as', 'Scopes', 'Status', 'Last used']}
        >
          {policies.data.map((policy) => (
            <tr key={policy.id}>
              <td data-label="Name">
                <div className="name">
                  <Link to={`/admin/trust-policies/${policy.id}`}>{policy.name}</Link>
                </div>
              </td>
              <td data-label="Issuer">
                <span className="mono small break-anywhere">{policy.issuer}</span>
              </td>
              <td data-label="Acts as">{identityText(policy)}</td>
              <td data-label="Scopes">
                <CodeList items={policy.scope} />
              </td>
              <td data-label="Status">
                <EnabledBadge policy={policy} />
              </td>
              <td data-label="Last used">
                {policy.lastUsed ? (
                  <Ago iso={policy.lastUsed} />
                ) : (
                  <span className="muted">Never</span>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <Dialog open={creating} title="New trust policy" onClose={() => setCreating(false)} wide>
        <NewTrustPolicyForm
          info={info}
          onCancel={() => setCreating(false)}
          onCreated={(policy) => {
            setCreating(false);
            announce(`Created “${policy.name}”: open it to see the conditions it pins.`);
            void queries.invalidateQueries({ queryKey: ['trust-policies'] });
          }}
        />
      </Dialog>
    </>
  );
}
