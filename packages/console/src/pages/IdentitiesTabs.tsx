import { NavLink } from 'react-router';

/** Where the Directory (SCIM) page lives: under Identities, so the main nav keeps one row. */
export const DIRECTORY_PATH = '/admin/identities/directory';

/**
 * The tabs above the Identities page and its Directory (SCIM) page. The main nav has one link
 * for both: a twelfth entry would not fit one row at 1280 px (docs/decisions.md).
 */
export function IdentitiesTabs() {
  return (
    <nav className="tabs" aria-label="Identities">
      <NavLink to="/admin/identities" end>
        Identities
      </NavLink>
      <NavLink to={DIRECTORY_PATH}>Directory (SCIM)</NavLink>
    </nav>
  );
}
