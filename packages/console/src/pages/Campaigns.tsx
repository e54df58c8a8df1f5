import type { AccessReview } from '@patina/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { RIGHTS, type SessionInfo } from '../api.js';
import { ProgressChart } from '../charts.js';
import {
  ConfirmDialog,
  Dialog,
  EmptyState,
  ErrorNote,
  PageHeader,
  useNotice,
} from '../components.js';
import { date, plural } from '../format.js';
import { closeCampaign, downloadReport, listCampaigns } from '../governance.js';
import { Ago, CodeList, DataTable, RowButton } from '../table.js';
import { NewCampaignForm } from './CampaignForm.js';
import { GovernanceTabs } from './GovernanceTabs.js';

/** Who reviews, in words. */
export function reviewersText(review: AccessReview): string {
  if (review.reviewers === 'OWNER') return 'Each token’s owner';
  if (review.reviewers === 'MANAGER') return 'The owner’s manager';
  return plural(review.reviewers.length, 'named reviewer');
}

/**
 * Certification campaigns, for administrators: each with its progress (decided against pending,
 * certified against revoked), its report as CSV and JSON, and a close; a form to start one.
 */
export function Campaigns({ info }: { info: SessionInfo }) {
  const queries = useQueryClient();
  const announce = useNotice();
  const campaigns = useQuery({
    queryKey: ['access-reviews', 'all'],
    queryFn: () => listCampaigns(),
  });
  const [creating, setCreating] = useState(false);
  const [closing, setClosing] = useState<AccessReview | null>(null);
  const canManage = info.rights.includes(RIGHTS.allManage);
  const refresh = () => queries.invalidateQueries({ queryKey: ['access-reviews'] });
  const close = useMutation({
    mutationFn: (review: AccessReview) => closeCampaign(review.id),
    onSuccess: async (review) => {
      setClosing(null);
      announce(`Closed “${review.name}”: its report is final.`);
      await refresh();
    },
  });
  const report = useMutation({
    mutationFn: (input: { review: AccessReview; format: 'csv' | 'json' }) =>
      downloadReport(input.review, input.format),
  });
  const list = [...(campaigns.data ?? [])].sort((a, b) => b.created.localeCompare(a.created));

  return (
    <>
      <GovernanceTabs info={info} />
      <PageHeader
        title="Campaigns"
        description="Access reviews (certification campaigns): who reviews which tokens by when, and what happens to those left undecided."
        actions={
          canManage && (
            <button type="button" className="button primary" onClick={() => setCreating(true)}>
              New campaign
            </button>
          )
        }
      />
      <ErrorNote error={campaigns.error} />
      <ErrorNote error={report.error} />
      {campaigns.isPending && <p className="loading">Loading campaigns…</p>}
      {campaigns.data && list.length === 0 && (
        <EmptyState title="No campaigns yet">
          <p>
            Start one to have every token — or those with a scope, unused for a while, of some roles
            — reviewed by its owner, their manager or named reviewers.
          </p>
        </EmptyState>
      )}
      {list.length > 0 && (
        <DataTable
          caption="Access review campaigns"
          columns={['Campaign', 'Status', 'Reviewers', 'Deadline', 'Progress']}
          actions="Actions"
        >
          {list.map((review) => (
            <tr key={review.id}>
              <td data-label="Campaign">
                <div className="name">{review.name}</div>
                <span className="muted small block">
                  {selectionText(review)}
                  {review.every && `, every ${review.every.replace(/d$/, ' days')}`}
                </span>
                {review.selection.scopes && <CodeList items={review.selection.scopes} />}
              </td>
              <td data-label="Status">
                <span
                  className={`badge ${review.status === 'OPEN' ? 'badge-pending' : 'badge-neutral'}`}
                >
                  {review.status === 'OPEN' ? 'Open' : 'Closed'}
                </span>
              </td>
              <td data-label="Reviewers">{reviewersText(review)}</td>
              <td data-label="Deadline">
                <span>
                  {date(review.deadline)}
                  <span className="muted small block">
                    {review.closedAt ? (
                      <>
                        closed <Ago iso={review.closedAt} />
                      </>
                    ) : (
                      <>
                        <Ago iso={review.deadline} />, then{' '}
                        {review.whenUndecided === 'revoke' ? 'revoke' : 'keep'} undecided
                      </>
                    )}
                  </span>
                </span>
              </td>
              <td data-label="Progress">
                <ProgressChart progress={review.progress} />
              </td>
              <td className="row-actions wrap">
                <RowButton
                  label={`Download CSV report of ${review.name}`}
                  disabled={report.isPending}
                  onClick={() => report.mutate({ review, format: 'csv' })}
                >
                  CSV
                </RowButton>
                <RowButton
                  label={`Download JSON report of ${review.name}`}
                  disabled={report.isPending}
                  onClick={() => report.mutate({ review, format: 'json' })}
                >
                  JSON
                </RowButton>
                {canManage && review.status === 'OPEN' && (
                  <RowButton
                    label={`Close ${review.name}`}
                    tone="danger"
                    onClick={() => {
                      close.reset();
                      setClosing(review);
                    }}
                  >
                    Close
                  </RowButton>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}

      <Dialog open={creating} title="New campaign" onClose={() => setCreating(false)} wide>
        <NewCampaignForm
          info={info}
          onCancel={() => setCreating(false)}
          onCreated={(review) => {
            setCreating(false);
            announce(
              `Started “${review.name}”: ${plural(review.progress.total, 'token')} to review.`,
            );
            void refresh();
          }}
        />
      </Dialog>
      <ConfirmDialog
        open={closing !== null}
        title={`Close “${closing?.name ?? ''}”?`}
        onClose={() => setClosing(null)}
        tone="danger"
        label="Close campaign"
        busy={close.isPending}
        error={close.error}
        onConfirm={() => closing && close.mutate(closing)}
      >
        {closing && <ClosingText review={closing} />}
      </ConfirmDialog>
    </>
  );
}

function ClosingText({ review }: { review: AccessReview }) {
  const pending = review.progress.pending;
  if (pending === 0) {
    return <p>Every item is decided. Closing makes the report final; nothing else changes.</p>;
  }
  return review.whenUndecided === 'revoke' ? (
    <p>
      {plural(pending, 'undecided token is', 'undecided tokens are')} <strong>revoked now</strong>:
      anything that uses {pending === 1 ? 'it' : 'them'} is refused at once, and their owners are
      told. Reviewers can no longer decide. This cannot be undone.
    </p>
  ) : (
    <p>
      {plural(pending, 'undecided token is', 'undecided tokens are')} kept as they are. Reviewers
      can no longer decide; the report is final.
    </p>
  );
}

/** Which tokens a campaign reviews, in words. */
function selectionText(review: AccessReview): string {
  const { scopes, unusedForDays, ownerRoles } = review.selection;
  const parts = [
    ...(scopes ? [`with ${plural(scopes.length, 'scope')}`] : []),
    ...(unusedForDays ? [`unused for ${plural(unusedForDays, 'day')}`] : []),
    ...(ownerRoles ? [`whose owner holds ${ownerRoles.join(' or ')}`] : []),
  ];
  return parts.length === 0 ? 'Every token' : `Tokens ${parts.join(', ')}`;
}
