import { ADMIN_BASE, API_ERROR_RESPONSES } from '@patina/contract';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ExpiryCalendar } from '../notifications/calendar.js';
import { requestContext } from './request-context.js';

/** The caller's PAT expiry dates as an iCalendar feed, for a calendar app to subscribe to. */
export function registerCalendarRoute(
  parent: FastifyInstance,
  deps: { calendar: ExpiryCalendar },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    `${ADMIN_BASE}/me/expirations.ics`,
    {
      config: { surface: 'admin' },
      schema: {
        tags: ['Personal access tokens'],
        operationId: 'getMyExpirationCalendar',
        summary: "An iCalendar feed (RFC 5545) of the caller's PAT expiry dates",
        response: {
          200: {
            description: 'One event per expiring PAT, with a reminder a week before',
            content: { 'text/calendar': { schema: Type.String() } },
          },
          ...API_ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const feed = await deps.calendar.feed(requestContext(request));
      return reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('cache-control', 'private, max-age=300')
        .send(feed);
    },
  );
}
