/** The tables of approvals, access reviews and per-PAT usage history (migration 0016). */
export interface GovernanceTables {
  pat_requests: PatRequestsTable;
  access_reviews: AccessReviewsTable;
  access_review_items: AccessReviewItemsTable;
  access_review_reviewers: AccessReviewReviewersTable;
  pat_usage_days: PatUsageDaysTable;
}

export interface PatRequestsTable {
  id: string;
  kind: string; // PAT_REQUEST_KINDS
  status: string; // PAT_REQUEST_STATUSES
  requester_id: string | null;
  requester_name: string;
  owner_id: string;
  pat_name: string;
  scope: string; // JSON array: every scope the PAT would have
  sensitive_scopes: string; // JSON array
  input: string; // JSON: the create input or the merge patch, as asked
  justification: string;
  ticket_url: string | null;
  expiration_date: string | null;
  pat_id: string | null;
  sealed_secret: string | null;
  secret_available_until: string | null;
  expires_at: string;
  decided_by_id: string | null;
  decided_by_name: string | null;
  decided_at: string | null;
  comment: string | null;
  created: string;
  modified: string;
}

export interface AccessReviewsTable {
  id: string;
  name: string;
  status: string; // ACCESS_REVIEW_STATUSES
  selection: string; // JSON AccessReviewSelection
  reviewers: string; // JSON: 'OWNER' | 'MANAGER' | string[]
  deadline: string;
  when_undecided: string; // WHEN_UNDECIDED
  every_days: number | null;
  next_start_at: string | null;
  previous_id: string | null;
  reminders_sent: string; // JSON array of the reminderDaysBefore already sent
  created_by_id: string | null;
  created_by_name: string;
  created: string;
  closed_at: string | null;
}

export interface AccessReviewItemsTable {
  id: string;
  review_id: string;
  pat_id: string;
  pat_name: string;
  owner_id: string;
  outcome: string; // REVIEW_ITEM_OUTCOMES
  decision: string | null;
  decided_by_id: string | null;
  decided_by_name: string | null;
  decided_at: string | null;
  comment: string | null;
  expiration_date: string | null;
}

export interface AccessReviewReviewersTable {
  item_id: string;
  review_id: string;
  identity_id: string;
}

export interface PatUsageDaysTable {
  pat_id: string;
  day: string;
  succeeded: number;
  failed: number;
}
