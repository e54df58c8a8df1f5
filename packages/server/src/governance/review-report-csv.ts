import { ACCESS_REVIEW_CSV_COLUMNS, type AccessReviewItem } from '@patina/contract';

/**
 * A campaign's items as CSV (RFC 4180): the header ACCESS_REVIEW_CSV_COLUMNS, one line per item,
 * CRLF line ends. A cell is quoted when it holds a comma, a quote, CR or LF, with quotes doubled.
 * A cell that a spreadsheet would read as a formula (starting with =, +, -, @, or a tab or CR,
 * per OWASP's CSV injection advice) is prefixed with a single quote: PAT names and comments are
 * anyone's text, and the auditor opens the file in a spreadsheet.
 */
export function reviewCsv(items: readonly AccessReviewItem[]): string {
  const lines = [ACCESS_REVIEW_CSV_COLUMNS.join(',')];
  for (const item of items) {
    const row: Record<(typeof ACCESS_REVIEW_CSV_COLUMNS)[number], string> = {
      itemId: item.id,
      patId: item.pat.id,
      patName: item.pat.name,
      ownerId: item.owner.id,
      ownerLogin: item.owner.login,
      scope: item.pat.scope.join(' '),
      created: item.pat.created,
      lastUsed: item.pat.lastUsed ?? '',
      expirationDate: item.pat.expirationDate ?? '',
      outcome: item.outcome,
      decision: item.decision ?? '',
      decidedBy: item.decidedBy?.name ?? '',
      decidedAt: item.decidedAt ?? '',
      comment: item.comment ?? '',
    };
    lines.push(ACCESS_REVIEW_CSV_COLUMNS.map((column) => csvCell(row[column])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string): string {
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}
