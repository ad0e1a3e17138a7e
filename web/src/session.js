// The signed-in session: the short-lived session token the server gave in exchange for the
// pasted API token, kept in sessionStorage only (gone when the tab closes; never in a URL, a
// cookie or localStorage), with what /v1/me said about its holder.
//
// The session slides while the person works: shortly before it expires it is refreshed, but
// only if there was a click or key press since the last refresh — a console left open on a
// shared desk PC expires on its own. A session found idle at that point is left to lapse, yet
// a click or key press before it has lapsed still refreshes it: the person is back.
const kStorageKey = 'redress.session';
// How long before the expiry to refresh: a quarter of the session's lifetime, at most 2 min
// (a 30-minute session refreshes 2 min before its end, a one-minute session 15 s before).
const kRefreshLeadMaxMs = 2 * 60 * 1000;
const kRefreshLeadShare = 0.25;

let session = load();
let activitySinceRefresh = false;
let refreshTimer = null;
let lapsing = false; // found idle at the refresh point: ends at expiry unless the person returns
const listeners = new Set();

function load() {
  try {
    const raw = sessionStorage.getItem(kStorageKey);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

function save() {
  try {
    if (session) sessionStorage.setItem(kStorageKey, JSON.stringify(session));
    else sessionStorage.removeItem(kStorageKey);
  } catch {
    // Storage disabled: the session lasts for this page only.
  }
}

export function currentSession() {
  return session;
}

export function sessionToken() {
  return session ? session.token : null;
}

export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(reason) {
  for (const listener of listeners) listener(session, reason);
}

// `created` is the POST /v1/sessions answer, `me` the GET /v1/me answer.
export function startSession(created, me) {
  session = { token: created.token, id: created.id, expires_at: created.expires_at, me, lifetime_ms: lifetimeOf(created.expires_at) };
  activitySinceRefresh = false; // signing in is what issued it
  save();
  schedule();
  notify('signed-in');
}

export function updateMe(me) {
  if (!session) return;
  session = { ...session, me };
  save();
  notify('me');
}

export function endSession(reason) {
  session = null;
  lapsing = false;
  save();
  clearTimeout(refreshTimer);
  notify(reason);
}

let refresher = null;
// `refresh` is called with no argument and resolves to {expires_at} (the API module supplies it).
export function setRefresher(refresh) {
  refresher = refresh;
  schedule();
}

function lifetimeOf(expiresAt) {
  return Math.max(0, new Date(expiresAt).getTime() - Date.now());
}

function refreshLead() {
  const lifetime = (session && session.lifetime_ms) || kRefreshLeadMaxMs * 15;
  return Math.min(kRefreshLeadMaxMs, lifetime * kRefreshLeadShare);
}

async function refreshNow() {
  activitySinceRefresh = false;
  try {
    const answer = await refresher();
    if (session && answer && answer.expires_at) {
      session = { ...session, expires_at: answer.expires_at, lifetime_ms: lifetimeOf(answer.expires_at) };
      save();
    }
  } catch {
    // A failed refresh is retried at the next schedule; a 401 ends the session in api.js.
  }
  schedule();
}

function schedule() {
  clearTimeout(refreshTimer);
  lapsing = false;
  if (!session || !refresher) return;
  const remaining = new Date(session.expires_at).getTime() - Date.now();
  const wait = Math.max(1000, remaining - refreshLead());
  refreshTimer = setTimeout(async () => {
    if (!session) return;
    if (!activitySinceRefresh) {
      // Idle: let it lapse, and say so when it has — unless the person comes back first.
      const left = new Date(session.expires_at).getTime() - Date.now();
      lapsing = true;
      refreshTimer = setTimeout(() => session && endSession('expired'), Math.max(0, left));
      return;
    }
    await refreshNow();
  }, wait);
}

for (const type of ['keydown', 'pointerdown']) {
  addEventListener(type, () => {
    activitySinceRefresh = true;
    if (lapsing && session && refresher && new Date(session.expires_at).getTime() > Date.now()) {
      clearTimeout(refreshTimer);
      lapsing = false;
      refreshNow();
    }
  }, { passive: true, capture: true });
}
schedule();
