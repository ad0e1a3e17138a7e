// Small shared pieces: the problem notice, the SLA countdown, the live-connection badge, pager.
import { html, useEffect, useState } from '../html.js';
import { dateTime, duration, language, t, word } from '../i18n/index.js';

// One timer for every countdown on the page: a repaint of the clock, not a request.
const tickers = new Set();
setInterval(() => {
  for (const tick of tickers) tick();
}, 15000);

export function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const tick = () => setNow(Date.now());
    tickers.add(tick);
    return () => tickers.delete(tick);
  }, []);
  return now;
}

// The message for an ApiError (or any error) in the viewer's language.
export function problemMessage(error) {
  if (!error) return '';
  const problem = error.problem || {};
  const code = error.code || problem.code;
  if (code === 'UNREACHABLE') return t('error.unreachable');
  const roles = problem.allowed_roles;
  if ((code === 'FORBIDDEN' || code === 'ROLE_NOT_PERMITTED') && Array.isArray(roles) && roles.length) {
    return `${t(`problem.${code}`)} ${t('error.forbidden_roles', { roles: roles.map((r) => word('role', r)).join(language() === 'zh' ? '、' : ', ') })}`;
  }
  const key = `problem.${code}`;
  const text = t(key);
  return text === key ? t('error.unknown', { code: code || error.status }) : text;
}

// A problem as a notice. `onReload` adds the "reload the case" action to a 412.
export function ProblemNotice({ error, onReload, onRetry }) {
  if (!error) return null;
  const conflict = error.code === 'VERSION_CONFLICT';
  const detail = error.problem && error.problem.detail;
  return html`<div class="notice notice-error" role="alert">
    <p>${conflict ? t('error.conflict_reload') : problemMessage(error)}</p>
    ${detail && !conflict && error.status !== 0 && (error.problem.errors || []).length === 0
      ? html`<p class="detail" lang="en">${detail}</p>`
      : null}
    ${conflict && onReload ? html`<button type="button" onClick=${onReload}>${t('error.reload_case')}</button>` : null}
    ${error.code === 'UNREACHABLE' && onRetry ? html`<button type="button" onClick=${onRetry}>${t('app.retry')}</button>` : null}
  </div>`;
}

// Time left to `due` (the instant the server computed on the business calendar), coloured by
// the server's warn and breach points.
export function Countdown({ due, warnAt, breached }) {
  const now = useNow();
  if (!due) return html`<span class="due due-none">${t('queue.no_due')}</span>`;
  const dueMs = new Date(due).getTime();
  const left = dueMs - now;
  const overdue = breached || left < 0;
  const warning = !overdue && warnAt && new Date(warnAt).getTime() <= now;
  const css = overdue ? 'due due-breached' : warning ? 'due due-warning' : 'due due-ok';
  const state = overdue ? t('due.breached') : warning ? t('due.warning') : t('due.ok');
  const text = overdue ? t('due.overdue', { time: duration(left) }) : t('due.in', { time: duration(left) });
  return html`<span class=${css} title=${dateTime(due)}>
    <span class="due-state">${state}</span> <time datetime=${due}>${text}</time>
  </span>`;
}

export function LiveBadge({ status }) {
  const now = useNow();
  let text;
  if (status.state === 'live') text = t('live.live');
  else if (status.state === 'connecting') text = t('live.connecting');
  else if (status.retryAt) {
    const seconds = Math.max(0, Math.round((status.retryAt - now) / 1000));
    text = seconds > 0 ? t('live.offline', { seconds }) : t('live.offline_now');
  } else text = t('live.offline_now');
  return html`<span class=${`live live-${status.state}`} role="status" aria-live="polite" data-live=${status.state}>${text}</span>`;
}

export function Loading() {
  return html`<p class="loading" role="status">${t('app.loading')}</p>`;
}

export function Notice({ kind = 'info', children }) {
  return html`<div class=${`notice notice-${kind}`} role=${kind === 'error' ? 'alert' : 'status'}>${children}</div>`;
}

export function Badge({ kind, value, children }) {
  return html`<span class=${`badge badge-${kind} badge-${kind}-${value}`}>${children}</span>`;
}

// The pager of a keyset listing: `pages` holds the page tokens visited (the last is the page
// shown), so "first page" and "next page" need no offsets; the count is worded by
// `<countKey>.count_page` and `<countKey>.count_page_one`.
export function KeysetPager({ rows, pages, nextToken, setPages, countKey }) {
  return html`<nav class="pager" aria-label=${t('app.next_page')}>
    ${rows ? html`<span class="muted" role="status">${rows.length === 1 ? t(`${countKey}.count_page_one`) : t(`${countKey}.count_page`, { count: rows.length })}</span>` : null}
    <button type="button" disabled=${pages.length <= 1} onClick=${() => setPages([''])}>${t('app.first_page')}</button>
    <button type="button" disabled=${!nextToken} onClick=${() => setPages([...pages, nextToken])}>${t('app.next_page')}</button>
  </nav>`;
}
