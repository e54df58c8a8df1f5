import type { PatRequest } from '@patina/contract';
import { Link } from 'react-router';
import { CopyButton, Dialog } from '../components.js';
import { date } from '../format.js';
import { CodeList } from '../table.js';

/**
 * What a create that an approval rule holds back shows instead of a secret: no token yet, the
 * request's id, what waits for whom, and the way to the Requests page, where the secret is
 * revealed once an approver says yes.
 */
export function ApprovalRequiredDialog(props: { request: PatRequest | null; onClose: () => void }) {
  const { request } = props;
  const one = request?.sensitiveScopes.length === 1;
  return (
    <Dialog open={request !== null} title="Approval required" onClose={props.onClose}>
      {request && (
        <div className="stack">
          <p className="warning" role="status">
            No token was made yet: {one ? 'a scope' : 'scopes'} of <strong>{request.name}</strong>{' '}
            {one ? 'needs' : 'need'} an approver’s yes.
          </p>
          <CodeList items={request.sensitiveScopes} />
          <div className="field">
            <span className="label" id="request-id-label">
              Request ID
            </span>
            <div className="copy-row">
              <code aria-labelledby="request-id-label" className="mono">
                {request.id}
              </code>
              <CopyButton text={request.id} label="Copy request ID" />
            </div>
          </div>
          <p>
            The approvers are told now. If nobody answers by {date(request.expiresAt)}, the request
            expires and nothing is made. Once approved, reveal the token’s secret on the Requests
            page: it is shown once.
          </p>
          <div className="dialog-actions">
            <button type="button" className="button secondary" onClick={props.onClose}>
              Close
            </button>
            <Link className="button primary" to="/requests" onClick={props.onClose}>
              Open Requests
            </Link>
          </div>
        </div>
      )}
    </Dialog>
  );
}
