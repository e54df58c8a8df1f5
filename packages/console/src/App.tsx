import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useRef, type ReactNode } from 'react';
import { Link, Navigate, NavLink, Route, Routes, useLocation, useNavigate } from 'react-router';
import { loadSession, RIGHTS, sessionEnded, signOut, type SessionInfo } from './api.js';
import { AdminTokens } from './pages/AdminTokens.js';
import { AuditLog } from './pages/AuditLog.js';
import { Identities } from './pages/Identities.js';
import { DIRECTORY_PATH } from './pages/IdentitiesTabs.js';
import { MyTokens } from './pages/MyTokens.js';
import { GOVERNANCE_PATHS } from './pages/GovernanceTabs.js';
import { SignIn } from './pages/SignIn.js';
import { SigningKeys } from './pages/SigningKeys.js';
import { Streams } from './pages/Streams.js';
import { TokenDetail } from './pages/TokenDetail.js';
import { TrustPolicies } from './pages/TrustPolicies.js';
import { TrustPolicyDetail } from './pages/TrustPolicyDetail.js';
import { Webhooks } from './pages/Webhooks.js';
import { NoticeProvider } from './components.js';

// The charts library is loaded only by administrators who open the overview.
const Overview = lazy(() => import('./pages/Overview.js').then((m) => ({ default: m.Overview })));
// Approvals (requests, reviews, campaigns) are a chunk of their own: the main one stays under
// Vite's 500 kB warning, and most visits never open them.
const Requests = lazy(() => import('./pages/Requests.js').then((m) => ({ default: m.Requests })));
const Reviews = lazy(() => import('./pages/Reviews.js').then((m) => ({ default: m.Reviews })));
const Campaigns = lazy(() =>
  import('./pages/Campaigns.js').then((m) => ({ default: m.Campaigns })),
);
// Directory (SCIM), an administrator's setup page, likewise.
const Directory = lazy(() =>
  import('./pages/Directory.js').then((m) => ({ default: m.Directory })),
);

export function App() {
  const queries = useQueryClient();
  const session = useQuery({ queryKey: ['session'], queryFn: loadSession, staleTime: Infinity });
  useEffect(() => {
    const ended = () => void queries.invalidateQueries({ queryKey: ['session'] });
    sessionEnded.addEventListener('ended', ended);
    return () => sessionEnded.removeEventListener('ended', ended);
  }, [queries]);

  if (session.isPending) return <p className="loading">Loading…</p>;
  if (session.isError) return <p className="error">The console cannot reach Patina.</p>;
  if (!session.data.signedIn) {
    return (
      <Routes>
        <Route
          path="/sign-in"
          element={<SignIn options={session.data.signIn} notice={session.data.message} />}
        />
        <Route path="*" element={<Navigate to="/sign-in" replace />} />
      </Routes>
    );
  }
  return <Shell info={session.data.info} />;
}

function Shell({ info }: { info: SessionInfo }) {
  const queries = useQueryClient();
  const navigate = useNavigate();
  const admin = info.rights.includes(RIGHTS.allRead);
  const nav = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  // Requests, reviews and campaigns are one entry of the nav, with tabs on their pages.
  const governance = GOVERNANCE_PATHS.some((p) => pathname === p || pathname.startsWith(`${p}/`));
  // On a phone the nav is a row that scrolls sideways: the page shown stays in view in it.
  useEffect(() => {
    nav.current?.querySelector('a.active')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [pathname]);
  return (
    <NoticeProvider>
      <div className="shell">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="topbar">
          <span className="brand" aria-label="Patina">
            <span className="logo" aria-hidden="true">
              P
            </span>
            Patina
          </span>
          <nav aria-label="Main" ref={nav}>
            <NavLink to="/tokens">My tokens</NavLink>
            <Link
              to="/requests"
              className={governance ? 'active' : undefined}
              aria-current={governance ? 'page' : undefined}
            >
              Approvals
            </Link>
            {admin && (
              <>
                <NavLink to="/admin/overview">Overview</NavLink>
                <NavLink to="/admin/tokens">All tokens</NavLink>
                <NavLink to="/admin/identities">Identities</NavLink>
                <NavLink to="/admin/audit">Audit log</NavLink>
                <NavLink to="/admin/webhooks">Webhooks</NavLink>
                <NavLink to="/admin/streams">Streams</NavLink>
                <NavLink to="/admin/trust-policies">Trust policies</NavLink>
                <NavLink to="/admin/keys">Signing keys</NavLink>
              </>
            )}
          </nav>
          <div className="who">
            <span title={`${info.identity.name} (${info.identity.login})`}>
              {info.identity.name}
            </span>
            <button
              type="button"
              className="button secondary small"
              onClick={() => {
                void signOut().then(async () => {
                  // Nothing of this identity's stays in memory for the next one to see.
                  queries.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
                  await queries.resetQueries({ queryKey: ['session'] });
                  await navigate('/sign-in');
                });
              }}
            >
              Sign out
            </button>
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          <Routes>
            <Route path="/tokens" element={<MyTokens info={info} />} />
            <Route path="/tokens/:id" element={<TokenDetail info={info} />} />
            <Route path="/requests" element={<Loading page={<Requests info={info} />} />} />
            <Route path="/reviews" element={<Loading page={<Reviews info={info} />} />} />
            {admin && (
              <>
                <Route
                  path="/admin/overview"
                  element={
                    <Suspense fallback={<p className="loading">Loading…</p>}>
                      <Overview />
                    </Suspense>
                  }
                />
                <Route path="/admin/tokens" element={<AdminTokens info={info} />} />
                <Route path="/admin/identities" element={<Identities info={info} />} />
                <Route
                  path={DIRECTORY_PATH}
                  element={<Loading page={<Directory info={info} />} />}
                />
                <Route path="/admin/audit" element={<AuditLog />} />
                <Route path="/admin/webhooks" element={<Webhooks info={info} />} />
                <Route path="/admin/streams" element={<Streams info={info} />} />
                <Route path="/admin/trust-policies" element={<TrustPolicies info={info} />} />
                <Route
                  path="/admin/trust-policies/:id"
                  element={<TrustPolicyDetail info={info} />}
                />
                <Route path="/admin/keys" element={<SigningKeys info={info} />} />
                <Route
                  path="/reviews/campaigns"
                  element={<Loading page={<Campaigns info={info} />} />}
                />
              </>
            )}
            <Route path="*" element={<Navigate to="/tokens" replace />} />
          </Routes>
        </main>
      </div>
    </NoticeProvider>
  );
}

/** A page loaded on first visit, with a line saying so meanwhile. */
function Loading({ page }: { page: ReactNode }) {
  return <Suspense fallback={<p className="loading">Loading…</p>}>{page}</Suspense>;
}
