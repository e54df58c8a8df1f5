import {
  WEBHOOK_EVENT_TYPES,
  type CreateWebhookRequest,
  type Webhook,
  type WebhookEventType,
} from '@patina/contract';
import { useState, type FormEvent } from 'react';
import { messageOf } from '../api.js';
import { CheckboxSet, FormActions } from '../components.js';

/** What the form asks for: a new endpoint's fields, or an existing one's to change. */
export interface WebhookFields {
  url: string;
  description: string;
  events: WebhookEventType[];
}

const NEW: WebhookFields = {
  url: '',
  description: '',
  events: ['personal_access_token.expiring', 'personal_access_token.revoked'],
};

/** The create request for new fields (an empty description is left out). */
export function createRequest(fields: WebhookFields): CreateWebhookRequest {
  return {
    url: fields.url,
    ...(fields.description && { description: fields.description }),
    events: fields.events,
  };
}

/** A webhook's URL, description and events: to create one (no `initial`) or to edit one. */
export function WebhookForm(props: {
  initial?: Webhook;
  submitLabel: string;
  onSubmit: (fields: WebhookFields) => Promise<void>;
  onCancel: () => void;
}) {
  const start = props.initial ?? NEW;
  const [url, setUrl] = useState(start.url);
  const [description, setDescription] = useState(start.description);
  const [events, setEvents] = useState<Set<WebhookEventType>>(new Set(start.events));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (events.size === 0) return setError('Choose at least one event.');
    setBusy(true);
    try {
      await props.onSubmit({
        url: url.trim(),
        description: description.trim(),
        // In the contract's order, so an unchanged set compares equal.
        events: WEBHOOK_EVENT_TYPES.filter((type) => events.has(type)),
      });
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <label>
        Endpoint URL
        <input
          type="url"
          required
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://hooks.example.com/patina"
        />
      </label>
      <label>
        <span>
          Description <span className="muted">(optional)</span>
        </span>
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <fieldset>
        <legend>Events</legend>
        <div className="scope-list">
          <CheckboxSet
            options={WEBHOOK_EVENT_TYPES.map((type) => ({
              value: type,
              label: <code>{type}</code>,
            }))}
            chosen={events}
            onChange={setEvents}
          />
        </div>
      </fieldset>
      <FormActions error={error} onCancel={props.onCancel} disabled={busy}>
        {props.submitLabel}
      </FormActions>
    </form>
  );
}
