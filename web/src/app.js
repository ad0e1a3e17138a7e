// The console's shell: sign-in gate, navigation by role, language switch, live-connection
// badge, and the page for the current address.
import { del, get, onRateLimited, post, request } from './api.js';
import { html, useEffect, useState } from './html.js';
import { language, languages, onLanguageChange, setLanguage, t, word } from './i18n/index.js';
import { currentPath, linkHandler, match, navigate, onNavigate } from './router.js';
import { currentSession, endSession, onSessionChange, setRefresher, startSession, updateMe } from './session.js';
import { live } from './stream.js';
import { forget as forgetWorkflows } from './workflows.js';
import { LiveBadge, Notice } from './components/ui.js';
import { SignInPage } from './pages/signin.js';
import { QueuePage } from './pages/queue.js';
import { CasePage } from './pages/case.js';
import { NewCasePage } from './pages/new_case.js';
import { ApprovalsPage } from './pages/approvals.js';
import { EscalationsPage } from './pages/escalations.js';
import { LedgerPage } from './pages/ledger.js';
import { PromisesPage } from './pages/promises.js';
import { ReportsPage } from './pages/reports.js';
import { CustomersPage } from './pages/customers.js';
import { CustomerPage } from './pages/customer.js';
import { WorkloadPage } from './pages/workload.js';
import { AdminPage } from './pages/admin.js';
import { FirstStepsPage } from './pages/first_steps.js';
import { ImportsPage } from './pages/imports.js';

const kLadder = ['agent', 'team_lead', 'supervisor', 'manager'];
export const isLadder = (role) => kLadder.includes(role);
export const atLeast = (role, minimum) => kLadder.indexOf(role) >= kLadder.indexOf(minimum) && isLadder(role);

setRefresher(async () => (await post('/v1/sessions/current/refresh', {})).data);

export async function signIn(apiToken) {
  const created = (await post('/v1/sessions', {}, { token: apiToken })).data;
  const me = (await get('/v1/me', { token: created.token })).data;
  startSession(created, me);
}

export async function signOut() {
  try {
    await del('/v1/sessions/current');
  } catch {
    // Already expired or the server is gone: the local copy is dropped either way.
  }
  endSession('signed-out');
}

function navItems(role) {
  const items = [];
  if (role !== 'admin') {
    items.push(['/queue', 'nav.queue'], ['/cases/new', 'nav.new_case']);
  }
  if (isLadder(role) || role === 'admin') items.push(['/customers', 'nav.customers']);
  if (atLeast(role, 'team_lead')) {
    items.push(['/approvals', 'nav.approvals'], ['/escalations', 'nav.escalations'], ['/workload', 'nav.workload'],
      ['/promises', 'nav.promises'], ['/reports', 'nav.reports'], ['/compensations', 'nav.ledger']);
  }
  if (atLeast(role, 'manager')) items.push(['/imports', 'nav.imports']);
  if (role === 'admin') {
    items.push(
      ['/queue', 'nav.queue'],
      ['/admin/users', 'nav.users'],
      ['/admin/teams', 'nav.teams'],
      ['/admin/tokens', 'nav.tokens'],
      ['/admin/webhooks', 'nav.webhooks'],
      ['/admin/workflows', 'nav.workflows'],
      ['/compensations', 'nav.ledger'],
      ['/imports', 'nav.imports'],
      ['/first-steps', 'nav.first_steps'],
    );
  }
  return items;
}

function page(path, me) {
  let params;
  if (path === '/' || path.startsWith('/?')) return null;
  if (match('/queue', path)) return html`<${QueuePage} me=${me} />`;
  if (match('/cases/new', path)) return html`<${NewCasePage} me=${me} />`;
  if ((params = match('/cases/:id', path))) return html`<${CasePage} key=${params.id} id=${params.id} me=${me} />`;
  if (match('/approvals', path)) return html`<${ApprovalsPage} me=${me} />`;
  if (match('/escalations', path)) return html`<${EscalationsPage} me=${me} />`;
  if (match('/workload', path)) return html`<${WorkloadPage} me=${me} />`;
  if (match('/customers', path)) return html`<${CustomersPage} me=${me} />`;
  if ((params = match('/customers/:id', path))) return html`<${CustomerPage} key=${params.id} id=${params.id} me=${me} />`;
  if (match('/compensations', path)) return html`<${LedgerPage} me=${me} />`;
  if (match('/promises', path)) return html`<${PromisesPage} me=${me} />`;
  if (match('/reports', path)) return html`<${ReportsPage} me=${me} />`;
  if (match('/first-steps', path)) return html`<${FirstStepsPage} me=${me} />`;
  if (match('/imports', path)) return html`<${ImportsPage} me=${me} />`;
  if ((params = match('/admin/:section', path))) return html`<${AdminPage} key=${params.section} section=${params.section} me=${me} />`;
  return html`<section><h1 tabindex="-1">${t('app.not_found')}</h1></section>`;
}

function homeFor(me) {
  return me.role === 'admin' ? '/first-steps' : '/queue';
}

export function LanguageSwitch() {
  return html`<div class="language-switch" role="group" aria-label=${t('app.language')}>
    ${languages.map((lang) => html`<button type="button" lang=${lang === 'zh' ? 'zh-CN' : 'en'}
      aria-pressed=${language() === lang ? 'true' : 'false'} onClick=${() => setLanguage(lang)}>
      ${lang === 'zh' ? '中文' : 'English'}</button>`)}
  </div>`;
}

// The signed-in person's availability (on shift / away): new cases are assigned automatically
// only to agents on shift. Shown to everyone with an account on the ladder.
export function AvailabilitySwitch({ me }) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  if (!me.user || !isLadder(me.role)) return null;
  const current = me.user.availability || 'on_shift';
  async function choose(availability) {
    if (availability === current || busy) return;
    setBusy(true);
    setFailed(false);
    try {
      const answer = await request('PUT', `/v1/users/${encodeURIComponent(me.user.id)}/availability`, { body: { availability } });
      updateMe({ ...me, user: { ...me.user, availability: answer.data.availability, availability_since: answer.data.availability_since } });
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }
  return html`<div class="availability-switch" role="group" aria-label=${t('availability.label')} data-availability=${current}>
    ${['on_shift', 'away'].map((value) => html`<button type="button" class=${`availability-${value}`} disabled=${busy}
      aria-pressed=${current === value ? 'true' : 'false'} onClick=${() => choose(value)}>${t(`availability.${value}`)}</button>`)}
    ${failed ? html`<span class="availability-failed" role="alert">${t('availability.failed')}</span>` : null}
  </div>`;
}

export function App() {
  const [session, setSession] = useState(currentSession());
  const [signedOutReason, setSignedOutReason] = useState(null);
  const [path, setPath] = useState(currentPath());
  const [, setLang] = useState(language());
  const [liveStatus, setLiveStatus] = useState(live.status);
  const [rateLimited, setRateLimited] = useState(null);

  useEffect(() => onLanguageChange(setLang), []);
  useEffect(() => onNavigate(setPath), []);
  useEffect(() => live.onStatus(setLiveStatus), []);
  useEffect(() => onRateLimited((seconds) => {
    setRateLimited(seconds);
    setTimeout(() => setRateLimited(null), seconds * 1000);
  }), []);
  useEffect(() => onSessionChange((next, reason) => {
    setSession(next);
    if (!next) {
      live.stop();
      forgetWorkflows();
      setSignedOutReason(reason);
    }
  }), []);
  useEffect(() => {
    if (session) live.start(session.token);
  }, [session && session.token]);
  // A stored session is checked once on load: /v1/me answers 401 when it has expired.
  useEffect(() => {
    if (session) get('/v1/me').catch(() => {});
  }, []);

  if (!session) {
    return html`<${SignInPage} reason=${signedOutReason} />`;
  }
  const me = session.me;
  if (path === '/' || path === '/signin') {
    navigate(homeFor(me), { replace: true });
    return null;
  }
  const name = (me.user && me.user.display_name) || me.token.label || me.role;
  return html`<div class="shell" onClick=${linkHandler}>
    <a class="skip-link" href="#main">${t('app.skip')}</a>
    <header class="topbar">
      <a class="brand" href=${homeFor(me)}><img src="/assets/favicon.svg" alt="" width="24" height="24" /> ${t('app.name')}</a>
      <nav aria-label=${t('nav.main')}>
        <ul>
          ${navItems(me.role).map(([href, key]) => html`<li><a href=${href}
            aria-current=${path.split('?')[0] === href ? 'page' : undefined}>${t(key)}</a></li>`)}
        </ul>
      </nav>
      <div class="topbar-end">
        <${LiveBadge} status=${liveStatus} />
        <${AvailabilitySwitch} me=${me} />
        <${LanguageSwitch} />
        <span class="who">${t('nav.signed_in_as', { name, role: word('role', me.role) })}</span>
        <button type="button" class="signout" onClick=${signOut}>${t('nav.sign_out')}</button>
      </div>
    </header>
    ${rateLimited ? html`<${Notice} kind="warning">${t('error.rate_limited', { seconds: rateLimited })}<//>` : null}
    <main id="main">${page(path, me)}</main>
  </div>`;
}
