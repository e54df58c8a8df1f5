import nodemailer, { type Transporter } from 'nodemailer';

/** One mail as the outbox keeps it and the mailer sends it. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** RFC 5322 Message-ID: the same on every retry, so a mail that went twice reads as one. */
  messageId: string;
}

export interface MailResult {
  ok: boolean;
  /** What went wrong, in a few words; never the server's credentials. */
  error: string | null;
  /** The mail server refused for good (5xx): retrying would not help. */
  permanent: boolean;
  /** The SMTP reply code, when the server gave one. */
  responseCode: number | null;
  durationMs: number;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<MailResult>;
  close(): void;
}

const SMTP_TIMEOUT_MS = 10_000;

/**
 * Mail over SMTP with nodemailer. `smtp://` upgrades with STARTTLS whenever the server offers it
 * (nodemailer's default), `smtps://` speaks TLS from the start; credentials come from the URL.
 */
export class SmtpMailer implements Mailer {
  readonly #transport: Transporter;

  constructor(settings: { url: string; from: string }) {
    this.#transport = nodemailer.createTransport(
      {
        url: settings.url,
        connectionTimeout: SMTP_TIMEOUT_MS,
        greetingTimeout: SMTP_TIMEOUT_MS,
        socketTimeout: SMTP_TIMEOUT_MS,
      },
      { from: settings.from },
    );
  }

  async send(mail: OutgoingMail): Promise<MailResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      await this.#transport.sendMail({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
      });
      return { ok: true, error: null, permanent: false, responseCode: null, durationMs: elapsed() };
    } catch (error) {
      const responseCode = (error as { responseCode?: unknown }).responseCode;
      const code = typeof responseCode === 'number' ? responseCode : null;
      return {
        ok: false,
        error: describe(error, code),
        permanent: code !== null && code >= 500,
        responseCode: code,
        durationMs: elapsed(),
      };
    }
  }

  close(): void {
    this.#transport.close();
  }
}

/** nodemailer's error code and the SMTP reply code; its message may quote the server's reply. */
function describe(error: unknown, responseCode: number | null): string {
  const code = (error as { code?: unknown }).code;
  const parts = ['mail not sent'];
  if (typeof code === 'string') parts.push(code);
  if (responseCode !== null) parts.push(`SMTP ${responseCode}`);
  return parts.join(': ');
}
