// The case page's linked cases: the links made from this case and to it (GET
// /v1/cases/{id}/links), each worded from this case's side ("Duplicate of C-12", "C-15 is a
// follow-up of this case") with its reason, who made it and when, the other case a link to its
// page; and a form to link this case to another.
//
// A link is a record beside the cases, not a journal entry: it changes neither case's version
// and no stream event announces it. The panel reads the links again after its own link, and on
// every event of the case (the panel follows case:<id> itself, as the page does), so a link
// made elsewhere shows the next time anything happens to the case, or on a reload.
import { get, post } from '../api.js';
import { html, useEffect, useRef, useState } from '../html.js';
import { dateTime, t } from '../i18n/index.js';
import { live } from '../stream.js';
import { kLinkKinds, linkFieldErrors, linkKindWord, linkSentence } from '../case_links.js';
import { FieldControl, messagesFor } from './fields.js';
import { ProblemNotice } from './ui.js';

// The case's links, read again on every event of the case and on reload(). A read asked for
// while one is under way runs once more after it, so a burst of events costs two reads and
// the last one sees everything.
function useCaseLinks(caseId) {
  const [links, setLinks] = useState(null);
  const [error, setError] = useState(null);
  const running = useRef(false);
  const again = useRef(false);
  const mounted = useRef(true);

  async function reload() {
    if (running.current) {
      again.current = true;
      return;
    }
    running.current = true;
    try {
      const answer = await get(`/v1/cases/${encodeURIComponent(caseId)}/links`);
      if (mounted.current) {
        setLinks(answer.data.links);
        setError(null);
      }
    } catch (caught) {
      if (mounted.current) setError(caught);
    } finally {
      running.current = false;
      if (again.current && mounted.current) {
        again.current = false;
        reload();
      }
    }
  }

  useEffect(() => {
    mounted.current = true;
    reload();
    const unsubscribe = live.subscribe([`case:${caseId}`], () => reload());
    return () => {
      mounted.current = false;
      unsubscribe();
    };
  }, [caseId]);
  return { links, error, reload };
}

function LinkItem({ link }) {
  const sentence = linkSentence(link);
  return html`<li data-link=${link.id} data-direction=${link.direction} data-kind=${link.kind} data-other=${link.other_case_id}>
    <span class="link-sentence">${sentence.before}<a href=${`/cases/${encodeURIComponent(sentence.caseId)}`}>${sentence.caseId}</a>${sentence.after}</span>
    <span class="link-reason prewrap">${link.reason}</span>
    <span class="muted link-by">${t('links.by', { who: link.created_by, time: dateTime(link.created_at) })}</span>
  </li>`;
}

// Links this case to another: the other case's id, the kind and a reason, all required. The
// server's problems show beside the fields; what was typed stays when it refuses.
function LinkForm({ caseId, onLinked }) {
  const [other, setOther] = useState('');
  const [kind, setKind] = useState(kLinkKinds[0]);
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [sent, setSent] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    const body = { case_id: other.trim(), kind, reason: reason.trim() };
    setBusy(true);
    setError(null);
    setSent(body.case_id);
    try {
      await post(`/v1/cases/${encodeURIComponent(caseId)}/links`, body);
      setOther('');
      setReason('');
      setKind(kLinkKinds[0]);
      onLinked();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const errors = linkFieldErrors(error && error.fieldErrors ? error.fieldErrors() : {}, '', sent);
  const kinds = { name: 'kind', type: 'enum', title: t('links.kind'), values: kLinkKinds,
    value_titles: Object.fromEntries(kLinkKinds.map((k) => [k, linkKindWord(k)])) };
  return html`<form class="link-form" onSubmit=${submit} aria-labelledby="link-form-title" novalidate>
    <h3 id="link-form-title">${t('links.add')}</h3>
    <div class="link-form-row">
      <${FieldControl} id="link-kind" field=${kinds} required value=${kind} onInput=${setKind}
        messages=${messagesFor(errors, '', 'kind')} />
      <${FieldControl} id="link-case" field=${{ name: 'case_id', type: 'string', title: t('links.case_id'), max_length: 128 }} required
        value=${other} onInput=${setOther} messages=${messagesFor(errors, '', 'case_id')} />
    </div>
    <${FieldControl} id="link-reason" field=${{ name: 'reason', type: 'text', title: t('links.reason'), max_length: 2000 }} required
      value=${reason} onInput=${setReason} messages=${messagesFor(errors, '', 'reason')} />
    <${ProblemNotice} error=${error} />
    <button type="submit" disabled=${busy || !other.trim() || !kind || !reason.trim()}>${t('links.submit')}</button>
  </form>`;
}

export function LinksPanel({ caseView }) {
  const { links, error, reload } = useCaseLinks(caseView.id);
  return html`<section class="panel links-panel" aria-labelledby="links-heading">
    <h2 id="links-heading">${t('links.title')}</h2>
    <${ProblemNotice} error=${error} onRetry=${reload} />
    ${links && links.length === 0 ? html`<p class="muted">${t('links.none')}</p>` : null}
    ${links && links.length
      ? html`<ul class="link-list">${links.map((link) => html`<${LinkItem} key=${link.id} link=${link} />`)}</ul>`
      : null}
    <${LinkForm} caseId=${caseView.id} onLinked=${reload} />
  </section>`;
}
