import { surfaceOf } from '@patina/contract';
import { authorize, may } from '../access/authorize.js';
import type { RequestContext } from '../access/context.js';
import type { Clock } from '../core/clock.js';
import type { Storage } from '../storage/repositories.js';
import { readableTime } from './mail-templates.js';

/** Where owners make and delete PATs, as mails and calendar entries tell them. */
const V3_PATS = surfaceOf('v3').path;

/**
 * The caller's PAT expiry dates as an iCalendar feed (RFC 5545), as GitLab offers, so owners see
 * them coming in the calendar they already read. One event at each expiry, with a reminder a week
 * before; a never-expiring PAT has none.
 */
export class ExpiryCalendar {
  constructor(private readonly deps: { storage: Storage; clock: Clock; baseUrl: string }) {}

  async feed(ctx: RequestContext): Promise<string> {
    authorize(ctx, 'readOwn', 'Reading your personal access tokens');
    const pats =
      ctx.actor.kind === 'user'
        ? await this.deps.storage.repos.notificationSubjects.expiringPatsOf(
            ctx.actor.identityId,
            may(ctx.actor, 'seeManaged'),
          )
        : [];
    const host = new URL(this.deps.baseUrl).host;
    const stamp = icalTime(this.deps.clock.now().toISOString());
    const lines = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Patina//Personal access token expirations//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH',
      'X-WR-CALNAME:Personal access token expirations',
    ];
    for (const pat of pats) {
      const when = readableTime(pat.expirationDate);
      lines.push(
        'BEGIN:VEVENT',
        // Stable across fetches, new when the expiry moves: calendars update the one event.
        `UID:${pat.id}-${icalTime(pat.expirationDate)}@${host}`,
        `DTSTAMP:${stamp}`,
        `DTSTART:${icalTime(pat.expirationDate)}`,
        `SUMMARY:${text(`Personal access token "${pat.name}" expires`)}`,
        `DESCRIPTION:${text(
          `Your personal access token "${pat.name}" (id ${pat.id}) expires at ${when}. ` +
            `Anything using it stops signing in then. To renew it, create a new PAT with the same scopes ` +
            `(POST ${this.deps.baseUrl}${V3_PATS}), put it where this one is used, and delete this one.`,
        )}`,
        'BEGIN:VALARM',
        'ACTION:DISPLAY',
        'TRIGGER:-P7D',
        `DESCRIPTION:${text(`Personal access token "${pat.name}" expires in a week`)}`,
        'END:VALARM',
        'END:VEVENT',
      );
    }
    lines.push('END:VCALENDAR');
    return lines.map(fold).join('\r\n') + '\r\n';
  }
}

/** RFC 5545 §3.3.5 UTC date-time: 20260715T100000Z. */
function icalTime(iso: string): string {
  return iso.slice(0, 19).replace(/[-:]/g, '') + 'Z';
}

/** RFC 5545 §3.1 CONTROL, less HTAB: characters TEXT may not carry. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

/**
 * RFC 5545 §3.3.11 TEXT: backslash, semicolon, comma and line breaks escaped. A line break is
 * CRLF, LF or a bare CR (a calendar would end the property line at any of them); any other
 * control character is not TEXT at all (TSAFE-CHAR excludes CONTROL but HTAB) and becomes U+FFFD.
 * Names are checked on the way in, but a database older than that check may still hold any.
 */
function text(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(CONTROL, '\uFFFD');
}

/**
 * RFC 5545 §3.1: lines longer than 75 octets are folded (CRLF and a space), never inside a
 * UTF-8 character.
 */
function fold(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char);
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}
