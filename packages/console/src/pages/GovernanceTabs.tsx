import { NavLink } from 'react-router';
import { RIGHTS, type SessionInfo } from '../api.js';

/** The pages of the main nav's "Approvals": requests, reviews, and the administrators' campaigns. */
export const GOVERNANCE_PATHS = ['/requests', '/reviews'] as const;

/**
 * The tabs above each of those pages. The main nav has one link for all of them: an
 * administrator's eleven would not fit one row at 1280 px (docs/decisions.md).
 */
export function GovernanceTabs({ info }: { info: SessionInfo }) {
  return (
    <nav className="tabs" aria-label="Approvals">
      <NavLink to="/requests">Requests</NavLink>
      <NavLink to="/reviews" end>
        Reviews
      </NavLink>
      {info.rights.includes(RIGHTS.allRead) && <NavLink to="/reviews/campaigns">Campaigns</NavLink>}
    </nav>
  );
}
