import type { CreateWebhookResponse } from '@patina/contract';
import { SecretField } from '../components.js';

/** A webhook's signing secret, shown this once (after create and after rotate-secret). */
export function WebhookSecret({ hook }: { hook: CreateWebhookResponse }) {
  return (
    <div className="stack">
      <p className="warning" role="status">
        Copy the signing secret now. It will not be shown again; the receiver verifies each request
        with it.
      </p>
      <SecretField
        id="webhook-secret"
        label="Signing secret"
        value={hook.secret}
        copyLabel="Copy signing secret"
      />
    </div>
  );
}
