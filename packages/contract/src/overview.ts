import { Type, type Static } from '@sinclair/typebox';
import { DateTime } from './schema-helpers.js';

/**
 * The console's Overview (`GET /patina/v1/overview`): three aggregates over the live PATs and the
 * audit trail, computed at `generatedAt`. Days are UTC calendar days; docs/decisions.md,
 * "The console's overview", says exactly what each number counts.
 */

/** How many weeks of expiries, and days of exchanges, the overview covers. */
export const OVERVIEW_WEEKS = 12;
export const OVERVIEW_DAYS = 30;

const Count = (description: string) => Type.Integer({ minimum: 0, description });

/** A UTC calendar day, `YYYY-MM-DD`. */
const Day = (description: string) =>
  Type.String({ format: 'date', description, examples: ['2026-01-15'] });

export const OverviewResponse = Type.Object(
  {
    generatedAt: DateTime('The instant every bucket is measured from'),
    lastUsed: Type.Object(
      {
        never: Count('Live PATs never exchanged'),
        under7Days: Count('Last used less than 7 days before generatedAt'),
        under30Days: Count('Last used 7 days or more, and less than 30 days, before generatedAt'),
        under90Days: Count('Last used 30 days or more, and less than 90 days, before generatedAt'),
        older: Count('Last used 90 days or more before generatedAt'),
      },
      { description: 'Live PATs by the age of their lastUsed' },
    ),
    expiringPerWeek: Type.Array(
      Type.Object({
        weekStart: Day('The first UTC day of the week; the first week starts today'),
        count: Count('Live PATs whose expirationDate falls in the 7 days from weekStart'),
      }),
      {
        minItems: OVERVIEW_WEEKS,
        maxItems: OVERVIEW_WEEKS,
        description: `${OVERVIEW_WEEKS} weeks from today (UTC), oldest first`,
      },
    ),
    exchangesPerDay: Type.Array(
      Type.Object({
        day: Day('A UTC day'),
        succeeded: Count(
          'PERSONAL_ACCESS_TOKEN_USED events that day: PATs put to use, at most one per PAT a day',
        ),
        failed: Count(
          'PERSONAL_ACCESS_TOKEN_USE_FAILED events that day: refused client credentials',
        ),
      }),
      {
        minItems: OVERVIEW_DAYS,
        maxItems: OVERVIEW_DAYS,
        description: `The last ${OVERVIEW_DAYS} UTC days, today last, days without activity as zeros`,
      },
    ),
    federatedExchangesPerDay: Type.Array(
      Type.Object({
        day: Day('A UTC day'),
        succeeded: Count(
          'TRUST_POLICY_USED events that day: workloads let in by federation, at most one per trust policy a minute',
        ),
        failed: Count('TRUST_POLICY_USE_FAILED events that day: workload tokens refused'),
      }),
      {
        minItems: OVERVIEW_DAYS,
        maxItems: OVERVIEW_DAYS,
        description: `The last ${OVERVIEW_DAYS} UTC days, today last, days without activity as zeros`,
      },
    ),
  },
  { $id: 'Overview' },
);
export type Overview = Static<typeof OverviewResponse>;
