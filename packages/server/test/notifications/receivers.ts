import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { onTestFinished, vi } from 'vitest';
import type { ManualClock } from '../../src/core/clock.js';
import { ADMIN_BASE } from '@patina/contract';
import type { TestApp } from '../helpers.js';

/** What a test receiver was sent: the request, and what `standardwebhooks` made of it. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed body, if the signature verified with the receiver's secret; else undefined. */
  verified: { type: string; timestamp: string; data: Record<string, unknown> } | undefined;
  verifyError: string | undefined;
}

/** The answer a receiver gives to its nth request (0-based): a status and headers. */
export type Answer = (n: number) => { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A webhook receiver on 127.0.0.1 that verifies every request with the `standardwebhooks`
 * package, exactly as a receiver in the wild would (its clock set to the test's, since the
 * package checks the timestamp against Date.now()).
 */
export class Receiver {
  readonly received: Received[] = [];
  secrets: string[] = [];
  answer: Answer = () => ({ status: 200 });
  readonly #hanging = new Set<() => void>();

  private constructor(
    readonly server: Server,
    readonly url: string,
    private readonly clock: ManualClock | undefined,
  ) {}

  static async start(clock?: ManualClock, path = '/hook'): Promise<Receiver> {
    const made: { receiver?: Receiver } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        made.receiver!.handle(req.headers, Buffer.concat(chunks).toString(), res),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const receiver = new Receiver(server, `http://127.0.0.1:${port}${path}`, clock);
    made.receiver = receiver;
    onTestFinished(() => receiver.close());
    return receiver;
  }

  private handle(headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    const n = this.received.length;
    let verified: Received['verified'];
    let verifyError: string | undefined;
    for (const secret of this.secrets) {
      try {
        verified = this.verify(secret, body, headers);
        verifyError = undefined;
        break;
      } catch (error) {
        verifyError = (error as Error).message;
      }
    }
    this.received.push({ headers, body, verified, verifyError });
    const answer = this.answer(n);
    if (answer === 'hang') {
      this.#hanging.add(() => res.destroy());
      return;
    }
    res.writeHead(answer.status, answer.headers ?? {}).end('ok');
  }

  /** `standardwebhooks`' verify, unchanged, with Date.now() at the test clock's time. */
  verify(secret: string, body: string, headers: IncomingHttpHeaders) {
    const spy = this.clock
      ? vi.spyOn(Date, 'now').mockReturnValue(this.clock.now().getTime())
      : undefined;
    try {
      return new Webhook(secret).verify(body, {
        'webhook-id': String(headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(headers['webhook-signature'] ?? ''),
      }) as Received['verified'];
    } finally {
      spy?.mockRestore();
    }
  }

  /** The verified bodies, in arrival order. */
  get events() {
    return this.received.map((r) => r.verified).filter((v) => v !== undefined);
  }

  async close(): Promise<void> {
    for (const drop of this.#hanging) drop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The test settings that let webhooks reach receivers on 127.0.0.1 over http. */
export const LOCAL_WEBHOOKS = { webhooks: { allowPrivateNetworks: true, allowHttp: true } };

/** Creates a webhook through the admin API and gives the receiver its secret. */
export async function subscribe(
  t: TestApp,
  receiver: Receiver,
  events: string[],
  extra: Record<string, unknown> = {},
): Promise<{ id: string; secret: string }> {
  const res = await t.request({
    method: 'POST',
    url: `${ADMIN_BASE}/webhooks`,
    token: t.admin.token,
    json: { url: receiver.url, events, ...extra },
  });
  if (res.statusCode !== 201) throw new Error(`webhook create: ${res.statusCode} ${res.body}`);
  const created = res.json<{ id: string; secret: string }>();
  receiver.secrets.push(created.secret);
  return created;
}

/** Runs the delivery worker of `t` until nothing is due. */
export function deliver(t: TestApp) {
  return t.services.notifications.worker.runOnce();
}

/** A mail the in-process SMTP server received, parsed. */
export interface CapturedMail {
  envelopeTo: string[];
  raw: string;
  parsed: ParsedMail;
  /** Whether the session had upgraded to TLS (STARTTLS) when the mail was sent. */
  secure: boolean;
  user: string | undefined;
}

/**
 * A real SMTP server in the test process (the `smtp-server` package) that keeps what it is sent.
 * With `starttls`, it offers STARTTLS (its built-in self-signed certificate) and the client must
 * be told to accept that certificate (`?tls.rejectUnauthorized=false`).
 */
export class MailCatcher {
  readonly mails: CapturedMail[] = [];
  /** Answer the nth mail (0-based) with this SMTP error code, or accept it. */
  refuse: (n: number) => number | undefined = () => undefined;

  private constructor(
    readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(options: { starttls?: boolean } = {}): Promise<MailCatcher> {
    const made: { catcher?: MailCatcher } = {};
    let count = 0;
    const server = new SMTPServer({
      secure: false,
      ...(options.starttls ? {} : { disabledCommands: ['STARTTLS'] }),
      authOptional: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'patina' && auth.password === 'mail-pass') {
          callback(null, { user: auth.username });
        } else {
          callback(new Error('Invalid username or password'));
        }
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const n = count++;
          const code = made.catcher!.refuse(n);
          if (code !== undefined) {
            const error = Object.assign(new Error('refused by the test'), { responseCode: code });
            callback(error);
            return;
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw)
            .then((parsed) => {
              made.catcher!.mails.push({
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
                raw,
                parsed,
                secure: session.secure,
                user: typeof session.user === 'string' ? session.user : undefined,
              });
              callback();
            })
            .catch((error: Error) => callback(error));
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    const catcher = new MailCatcher(server, port);
    made.catcher = catcher;
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return catcher;
  }

  /** The config that sends Patina's mail here. */
  config(query = ''): { email: { smtp: { url: string; from: string } } } {
    return {
      email: {
        smtp: {
          url: `smtp://patina:mail-pass@127.0.0.1:${this.port}${query}`,
          from: 'Patina <patina@example.com>',
        },
      },
    };
  }
}
