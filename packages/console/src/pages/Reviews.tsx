import type {
  AccessReview,
  AccessReviewItem,
  PatUseSource,
  ReviewDecision,
  UsageDay,
} from '@patina/contract';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import type { SessionInfo } from '../api.js';
import { Sparkline, usageTotals } from '../charts.js';
import {
  CommentField,
  Dialog,
  EmptyState,
  ErrorNote,
  FormActions,
  PageHeader,
  toggled,
  useNotice,
} from '../components.js';
import { dayOf, endOfDayWithin } from '../expiry.js';
import { date, plural } from '../format.js';
import { decideItem, decideItems, listCampaigns, myPendingItems } from '../governance.js';
import { Ago, CodeList, RowButton } from '../table.js';
import { GovernanceTabs } from './GovernanceTabs.js';

/**
 * The reviewer's inbox: every item of an open campaign the caller still has to decide, with the
 * evidence a reviewer needs (who owns it, what it may do, whether and where it is used, how often
 * its secret was rotated, when it expires), decided one by one or several at once.
 */
export function Reviews({ info }: { info: SessionInfo }) {
  const campaigns = useQuery({
    queryKey: ['access-reviews', 'open'],
    queryFn: () => listCampaigns('open'),
  });
  const open = campaigns.data ?? [];
  const items = useQueries({
    queries: open.map((review) => ({
      queryKey: ['access-reviews', 'inbox', review.id],
      queryFn: () => myPendingItems(review.id),
    })),
  });
  const withItems = open
    .map((review, i) => ({ review, items: items[i]?.data ?? [], query: items[i] }))
    .filter((c) => c.items.length > 0 || c.query?.isError);
  const loading = campaigns.isPending || items.some((q) => q.isPending);
  const total = withItems.reduce((sum, c) => sum + c.items.length, 0);

  return (
    <>
      <GovernanceTabs info={info} />
      <PageHeader
        title="Reviews"
        description="Is each token still needed? Certify the ones that are, revoke the rest. Undecided tokens are handled at the campaign’s deadline."
      />
      <ErrorNote error={campaigns.error} />
      {loading && <p className="loading">Loading reviews…</p>}
      {!loading && !campaigns.isError && total === 0 && withItems.length === 0 && (
        <EmptyState title="Nothing to review">
          <p>When a campaign asks you to review tokens, they are listed here.</p>
        </EmptyState>
      )}
      {!loading &&
        withItems.map(({ review, items: pending, query }) => (
          <CampaignInbox
            key={review.id}
            review={review}
            items={pending}
            error={query?.error ?? null}
          />
        ))}
    </>
  );
}

type Pending = { items: AccessReviewItem[]; decision: ReviewDecision };

function CampaignInbox(props: { review: AccessReview; items: AccessReviewItem[]; error: unknown }) {
  const { review, items } = props;
  const queries = useQueryClient();
  const announce = useNotice();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [deciding, setDeciding] = useState<Pending | null>(null);
  const headingId = useId();
  const chosen = items.filter((item) => selected.has(item.id));
  const allChosen = items.length > 0 && chosen.length === items.length;

  const decide = (decision: ReviewDecision, list: AccessReviewItem[]) =>
    setDeciding({ items: list, decision });

  return (
    <section className="section" aria-labelledby={headingId}>
      <div className="section-head">
        <h2 id={headingId}>{review.name}</h2>
        <span className="muted small">
          {plural(items.length, 'token')} to review by {date(review.deadline)} (
          <Ago iso={review.deadline} />
          ). Undecided then: {review.whenUndecided === 'revoke' ? 'revoked' : 'kept'}.
        </span>
      </div>
      <ErrorNote error={props.error} />
      <div className="bulk-bar" role="group" aria-label={`Bulk decision: ${review.name}`}>
        <label className="check-row">
          <input
            type="checkbox"
            checked={allChosen}
            onChange={(e) =>
              setSelected(e.target.checked ? new Set(items.map((i) => i.id)) : new Set())
            }
          />
          <span>
            Select all <span className="visually-hidden">tokens of {review.name}</span>
          </span>
        </label>
        <span className="count muted small" aria-live="polite">
          {plural(chosen.length, 'token')} selected
        </span>
        <span className="bulk-actions">
          <button
            type="button"
            className="button secondary small"
            disabled={chosen.length === 0}
            onClick={() => decide('certify', chosen)}
          >
            Certify selected
          </button>
          <button
            type="button"
            className="button danger small"
            disabled={chosen.length === 0}
            onClick={() => decide('revoke', chosen)}
          >
            Revoke selected
          </button>
        </span>
      </div>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Tokens to review in {review.name}</caption>
          <thead>
            <tr>
              <th scope="col" className="check">
                <span className="visually-hidden">Selected</span>
              </th>
              <th scope="col">Token</th>
              <th scope="col">Owner</th>
              <th scope="col">Created · expires</th>
              <th scope="col">Last used</th>
              <th scope="col">Usage, 30 days</th>
              <th scope="col">Rotations</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <ItemRow
                key={item.id}
                item={item}
                selected={selected.has(item.id)}
                onSelect={(on) => setSelected(toggled(selected, item.id, on))}
                onDecide={(decision) => decide(decision, [item])}
              />
            ))}
          </tbody>
        </table>
      </div>
      <DecisionDialog
        review={review}
        pending={deciding}
        onClose={() => {
          setDeciding(null);
          // A bulk decision may have decided some before one was refused.
          void queries.invalidateQueries({ queryKey: ['access-reviews'] });
        }}
        onDone={(text) => {
          setDeciding(null);
          setSelected(new Set());
          announce(text);
          void queries.invalidateQueries({ queryKey: ['access-reviews'] });
        }}
      />
    </section>
  );
}

function ItemRow(props: {
  item: AccessReviewItem;
  selected: boolean;
  onSelect: (on: boolean) => void;
  onDecide: (decision: ReviewDecision) => void;
}) {
  const { item } = props;
  const { pat, evidence } = item;
  // The schema's $refs TypeBox types as unknown; these are what they are.
  const usage = evidence.usage as UsageDay[];
  const sources = evidence.lastUsedFrom as PatUseSource[];
  const totals = usageTotals(usage);
  return (
    <tr>
      <td className="check">
        <input
          type="checkbox"
          aria-label={`Select ${pat.name}`}
          checked={props.selected}
          onChange={(e) => props.onSelect(e.target.checked)}
        />
      </td>
      <td data-label="Token">
        <div className="name">{pat.name}</div>
        <CodeList items={pat.scope} />
      </td>
      <td data-label="Owner">
        {item.owner.name}
        <span className="muted small block">{item.owner.login}</span>
      </td>
      <td data-label="Created · expires">
        <span>
          {date(pat.created)}
          <span className="muted small block">
            {pat.expirationDate ? `expires ${date(pat.expirationDate)}` : 'never expires'}
          </span>
        </span>
      </td>
      <td data-label="Last used">
        <span>
          {pat.lastUsed ? <Ago iso={pat.lastUsed} /> : <span className="muted">Never</span>}
          {sources.slice(0, 2).map((source) => (
            <span key={source.ip} className="muted small block">
              from <code>{source.ip}</code>
              {source.userAgent ? `, ${source.userAgent}` : ''}
            </span>
          ))}
        </span>
      </td>
      <td data-label="Usage, 30 days">
        <span>
          <Sparkline days={usage} />
          <span className="small">
            {totals.succeeded} ok, {totals.failed} failed
          </span>
        </span>
      </td>
      <td data-label="Rotations">
        <span>
          {evidence.rotations.length}
          {evidence.rotations[0] && (
            <span className="muted small block">
              last <Ago iso={evidence.rotations[0]} />
            </span>
          )}
        </span>
      </td>
      <td className="row-actions">
        <RowButton label={`Certify ${pat.name}`} onClick={() => props.onDecide('certify')}>
          Certify
        </RowButton>
        <RowButton
          label={`Revoke ${pat.name}`}
          tone="danger"
          onClick={() => props.onDecide('revoke')}
        >
          Revoke
        </RowButton>
      </td>
    </tr>
  );
}

/** One item or several, one comment; revoking says what stops working. */
function DecisionDialog(props: {
  review: AccessReview;
  pending: Pending | null;
  onClose: () => void;
  onDone: (text: string) => void;
}) {
  const { pending } = props;
  const one = pending?.items.length === 1 ? pending.items[0] : undefined;
  const verb = pending?.decision === 'revoke' ? 'Revoke' : 'Certify';
  const what = one ? `“${one.pat.name}”` : plural(pending?.items.length ?? 0, 'token');
  return (
    <Dialog open={pending !== null} title={`${verb} ${what}?`} onClose={props.onClose}>
      {pending && (
        <DecisionForm
          key={`${pending.decision}-${pending.items.map((i) => i.id).join()}`}
          review={props.review}
          pending={pending}
          onCancel={props.onClose}
          onDone={props.onDone}
        />
      )}
    </Dialog>
  );
}

function DecisionForm(props: {
  review: AccessReview;
  pending: Pending;
  onCancel: () => void;
  onDone: (text: string) => void;
}) {
  const { items, decision } = props.pending;
  const revoke = decision === 'revoke';
  const one = items.length === 1 ? items[0] : undefined;
  const [comment, setComment] = useState('');
  const [expiry, setExpiry] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const [refused, setRefused] = useState<string[]>([]);
  const currentExpiry = one?.pat.expirationDate ?? null;
  const send = useMutation({
    mutationFn: async () => {
      const text = comment.trim();
      if (one) {
        await decideItem(props.review.id, one.id, {
          decision,
          comment: text,
          ...(!revoke &&
            expiry && {
              // Never later than it is: a certification can only shorten a PAT's life.
              expirationDate: endOfDayWithin(
                expiry,
                currentExpiry ? Date.parse(currentExpiry) : Infinity,
              ),
            }),
        });
        return { decided: 1, refused: [] };
      }
      return decideItems(
        props.review.id,
        items.map((i) => i.id),
        { decision, comment: text },
      );
    },
    onSuccess: (result) => {
      const done = `${revoke ? 'Revoked' : 'Certified'} ${
        one ? `“${one.pat.name}”` : plural(result.decided, 'token')
      }.`;
      if (result.refused.length > 0) setRefused(result.refused);
      else props.onDone(revoke ? `${done} It can no longer be used.` : done);
    },
  });
  const names = items.map((i) => i.pat.name);
  return (
    <form
      className="stack"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (comment.trim() === '') {
          setMissing('Say why, for the auditor.');
          return;
        }
        send.mutate();
      }}
    >
      {revoke ? (
        <p>
          {one ? 'This token stops' : 'These tokens stop'} working at once: anything that uses{' '}
          {one ? 'it' : 'them'} — scripts, CI jobs, tools — is refused from now on, and{' '}
          {one ? 'its' : 'their'} access tokens are refused on Patina’s API.{' '}
          {one ? 'Its owner is' : 'Their owners are'} told. This cannot be undone.
        </p>
      ) : (
        <p>
          {one ? 'The token stays' : 'The tokens stay'} as {one ? 'it is' : 'they are'}, recorded as
          still needed, with your comment.
        </p>
      )}
      {!one && (
        <ul className="plain-list">
          {names.map((name, i) => (
            <li key={`${name}-${i}`}>{name}</li>
          ))}
        </ul>
      )}
      <CommentField
        value={comment}
        required
        error={missing}
        onChange={(value) => {
          setComment(value);
          setMissing(null);
        }}
      />
      {one && !revoke && (
        <label>
          <span>
            Shorten expiry to <span className="muted">(optional)</span>
          </span>
          <input
            type="date"
            min={dayOf(Date.now())}
            {...(currentExpiry && { max: dayOf(Date.parse(currentExpiry)) })}
            value={expiry}
            onChange={(e) => setExpiry(e.target.value)}
          />
        </label>
      )}
      {refused.length > 0 && (
        <div className="error" role="alert">
          Some were not decided:
          <ul className="plain-list">
            {refused.map((text, i) => (
              <li key={i}>{text}</li>
            ))}
          </ul>
        </div>
      )}
      <FormActions
        error={send.error}
        onCancel={props.onCancel}
        disabled={send.isPending}
        danger={revoke}
      >
        {revoke ? 'Revoke' : 'Certify'} {one ? 'token' : plural(items.length, 'token')}
      </FormActions>
    </form>
  );
}
