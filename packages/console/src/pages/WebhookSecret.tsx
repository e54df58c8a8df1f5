import type { CreateWebhookResponse } from '@patina/contract';
import { CopyButton } from '../components.js';

/** A webhook's signing secret, shown this once (after create and after rotate-secret). */
export function WebhookSecret({ hook }: { hook: CreateWebhookResponse }) {
  return (
    <div className="stack">
      <p className="warning" role="status">
        Copy the signing secret now. It will not be shown again; the receiver verifies each request
        with it.
      </p>
      <div className="field">
        <label htmlFor="webhook-secret" className="label">
          Signing secret
        </label>
        <div className="copy-row">
          <input
            id="webhook-secret"
            className="mono"
            readOnly
            value={hook.secret}
            onFocus={(e) => e.target.select()}
          />
          <CopyButton text={hook.secret} label="Copy signing secret" />
        </div>
      </div>
    </div>
  );
}
