import {
  createContext,
  useCallback,
  useContext,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { flushSync } from 'react-dom';
import type { PatStatus } from '@patina/contract';
import { messageOf } from './api.js';
import { expiringRule } from './expiry.js';

const NOTICE_MS = 8000;
const NoticeContext = createContext<(text: string) => void>(() => undefined);

/**
 * Says in a line what was just done ("Deleted “ci”."), after an action whose result is otherwise
 * only an absence: a live region, so screen readers read it too, that clears itself.
 */
export function NoticeProvider({ children }: { children: ReactNode }) {
  const [text, setText] = useState<string | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const announce = useCallback((next: string) => {
    setText(next);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setText(null), NOTICE_MS);
  }, []);
  return (
    <NoticeContext.Provider value={announce}>
      {children}
      <div className="notice" role="status" aria-live="polite">
        {text && (
          <p>
            {text}
            <button type="button" className="button secondary small" onClick={() => setText(null)}>
              Dismiss
            </button>
          </p>
        )}
      </div>
    </NoticeContext.Provider>
  );
}

/** The function that shows a notice (see NoticeProvider). */
export function useNotice(): (text: string) => void {
  return useContext(NoticeContext);
}

/**
 * A confirmation dialog's buttons: Cancel, focused first (the safe choice under Enter), and the
 * action, disabled while it runs.
 */
export function ConfirmActions(props: {
  tone: 'danger' | 'primary';
  label: ReactNode;
  busy: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <div className="dialog-actions">
      <button type="button" className="button secondary" onClick={props.onCancel} autoFocus>
        Cancel
      </button>
      <button
        type="button"
        className={`button ${props.tone}`}
        disabled={props.busy}
        onClick={props.onConfirm}
      >
        {props.label}
      </button>
    </div>
  );
}

/**
 * A dialog that asks before an action: what it will do (the children), why it failed if it did,
 * and Cancel or the action (ConfirmActions). Cancel closes it.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  tone: 'danger' | 'primary';
  label: ReactNode;
  busy: boolean;
  error: unknown;
  onConfirm: () => void;
  children: ReactNode;
}) {
  return (
    <Dialog open={props.open} title={props.title} onClose={props.onClose}>
      {props.children}
      <ErrorNote error={props.error} />
      <ConfirmActions
        tone={props.tone}
        label={props.label}
        busy={props.busy}
        onCancel={props.onClose}
        onConfirm={props.onConfirm}
      />
    </Dialog>
  );
}

/**
 * A modal dialog on the native <dialog>: the browser moves focus into it, keeps Tab inside, makes
 * the page behind inert and closes it on Escape; on close, focus goes back to what opened it.
 */
export function Dialog(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const opener = useRef<Element | null>(null);
  // Counts the browser's closes (Escape), so the effect runs after each: a close followed at once
  // by a reopen (Escape, then Enter on the button) can leave `open` true throughout, and the
  // dialog must be shown again, not stay closed while the page thinks it is open.
  const [closes, setCloses] = useState(0);
  // A layout effect: it runs in the same turn as the render, flushSync's included.
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
    } else if (!props.open && dialog.open) {
      dialog.close();
    }
  }, [props.open, closes]);
  return (
    <dialog
      ref={ref}
      className={props.wide ? 'dialog wide' : 'dialog'}
      aria-labelledby={titleId}
      onCancel={() => {
        // Escape: the page hears of it now, rendered at once. The browser's close event comes a
        // task later, and a click on the opener in between (Escape, then Enter) must open the
        // dialog again, not land while the page still thinks it is open and be lost.
        flushSync(() => props.onClose());
      }}
      onClose={() => {
        // A close event from before a reopen: the dialog is showing again.
        if (ref.current?.open) return;
        if (opener.current instanceof HTMLElement) opener.current.focus();
        setCloses((n) => n + 1);
        props.onClose();
      }}
    >
      {props.open && (
        <>
          <h2 id={titleId}>{props.title}</h2>
          {props.children}
        </>
      )}
    </dialog>
  );
}

/**
 * A PAT's status, with what it means here as its description: EXPIRING is within the
 * deployment's `policy.expiringSoonDays` of the expiry.
 */
export function StatusBadge(props: { status: PatStatus; expiringSoonDays: number }) {
  const { status } = props;
  const text = { ACTIVE: 'Active', EXPIRING: 'Expiring', EXPIRED: 'Expired' }[status];
  const meaning =
    status === 'EXPIRED'
      ? 'Past its expiry: it can no longer be used.'
      : expiringRule(props.expiringSoonDays);
  return (
    <span className={`badge badge-${status.toLowerCase()}`} title={meaning}>
      {text}
    </span>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="button secondary small"
      aria-label={label}
      onClick={() => {
        void navigator.clipboard.writeText(text).then(() => {
          setCopied(true);
          window.setTimeout(() => setCopied(false), 2000);
        });
      }}
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

/**
 * A secret shown this once: read-only, selected on focus, with a copy button. The page around it
 * says it will not be shown again.
 */
export function SecretField(props: {
  id: string;
  label: string;
  value: string;
  copyLabel: string;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id} className="label">
        {props.label}
      </label>
      <div className="copy-row">
        <input
          id={props.id}
          className="mono"
          readOnly
          value={props.value}
          onFocus={(e) => e.target.select()}
        />
        <CopyButton text={props.value} label={props.copyLabel} />
      </div>
    </div>
  );
}

/** A dialog that shows a new secret, closed by saying it was stored. */
export function SecretDialog(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  return (
    <Dialog open={props.open} title={props.title} onClose={props.onClose} wide={props.wide}>
      {props.children}
      <div className="dialog-actions">
        <button type="button" className="button primary" onClick={props.onClose}>
          I have stored the secret
        </button>
      </div>
    </Dialog>
  );
}

/**
 * The end of a form in a dialog: why it failed, if it did, then Cancel and the submit button.
 */
export function FormActions(props: {
  error: unknown;
  onCancel: () => void;
  disabled: boolean;
  /** The submit button in the danger colour: the form ends or refuses something. */
  danger?: boolean;
  children: ReactNode;
}) {
  return (
    <>
      <ErrorNote error={props.error} />
      <div className="dialog-actions">
        <button type="button" className="button secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button
          type="submit"
          className={`button ${props.danger ? 'danger' : 'primary'}`}
          disabled={props.disabled}
        >
          {props.children}
        </button>
      </div>
    </>
  );
}

/** One choice of a few, as a row of radio buttons that look like a segmented control. */
export function Segmented<T extends string>(props: {
  name: string;
  options: { value: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <div className="segmented">
      {props.options.map((option) => (
        <label key={option.value}>
          <input
            type="radio"
            name={props.name}
            value={option.value}
            checked={props.value === option.value}
            onChange={() => props.onChange(option.value)}
          />
          <span>{option.label}</span>
        </label>
      ))}
    </div>
  );
}

export function EmptyState(props: { title: string; children: ReactNode }) {
  return (
    <div className="empty">
      <h3>{props.title}</h3>
      <div>{props.children}</div>
    </div>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {typeof error === 'string' ? error : messageOf(error)}
    </p>
  );
}

/**
 * An error about one field, shown under it. The field names it with aria-describedby and
 * aria-invalid (fieldErrorProps); the page clears it when the field changes.
 */
export function FieldError({ id, text }: { id: string; text: string | null | undefined }) {
  if (!text) return null;
  return (
    <p className="error" id={id} role="alert">
      {text}
    </p>
  );
}

/** What a field with a FieldError carries, so a screen reader says the error with it. */
export function fieldErrorProps(id: string, text: string | null | undefined) {
  return text ? { 'aria-invalid': true, 'aria-describedby': id } : {};
}

/**
 * A decision's comment (an approval, a denial, a review decision): up to 1,000 characters, marked
 * optional unless `required`, with the error the form set when it was left empty.
 */
export function CommentField(props: {
  value: string;
  required: boolean;
  error: string | null;
  onChange: (value: string) => void;
}) {
  const errorId = useId();
  return (
    <>
      <label>
        <span>Comment {!props.required && <span className="muted">(optional)</span>}</span>
        <textarea
          rows={3}
          maxLength={1000}
          value={props.value}
          required={props.required}
          {...fieldErrorProps(errorId, props.error)}
          onChange={(e) => props.onChange(e.target.value)}
        />
      </label>
      <FieldError id={errorId} text={props.error} />
    </>
  );
}

/** Checkboxes for scopes from the catalogue, each with what it does. */
export function ScopeChecklist(props: {
  scopes: { name: string; description: string }[];
  chosen: ReadonlySet<string>;
  onChange: (chosen: Set<string>) => void;
}) {
  return (
    <div className="scope-list">
      <CheckboxSet
        options={props.scopes.map((scope) => ({
          value: scope.name,
          label: (
            <span>
              <code>{scope.name}</code>
              {scope.description && <span className="muted small block">{scope.description}</span>}
            </span>
          ),
        }))}
        chosen={props.chosen}
        onChange={props.onChange}
      />
    </div>
  );
}

/** `chosen` with `value` added (`on`) or taken out. */
export function toggled<T extends string>(chosen: ReadonlySet<T>, value: T, on: boolean): Set<T> {
  const next = new Set(chosen);
  if (on) next.add(value);
  else next.delete(value);
  return next;
}

/** A checkbox row for each option; the set of values ticked is the state. */
export function CheckboxSet<T extends string>(props: {
  options: { value: T; label: ReactNode }[];
  chosen: ReadonlySet<T>;
  onChange: (chosen: Set<T>) => void;
}) {
  return props.options.map((option) => (
    <label key={option.value} className="check-row">
      <input
        type="checkbox"
        checked={props.chosen.has(option.value)}
        onChange={(e) => props.onChange(toggled(props.chosen, option.value, e.target.checked))}
      />
      {option.label}
    </label>
  ));
}

export function PageHeader(props: { title: string; description?: string; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.description && <p className="muted">{props.description}</p>}
      </div>
      {props.actions && <div className="actions">{props.actions}</div>}
    </header>
  );
}
