/**
 * Calendar months in UTC, clamped to the month's last day (Aug 31 + 6 months = Feb 28/29): how a
 * PAT's longest lifetime is counted, by the server when it checks an expiry and by clients (the
 * console) when they offer one.
 */
export function addMonthsUtc(date: Date, months: number): Date {
  const result = new Date(date.getTime());
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(
    Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0),
  ).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}
