// The follow-up visit (回访) of a case in its follow-up stage: when it is due, the attempts made
// so far, and a form to record the next one (POST /v1/cases/{id}/follow-ups). Chat is suggested
// when the customer on record has a chat id — the handbooks prefer it, as it leaves a written
// record — and the phone otherwise; phone calls belong in the call windows, and the server flags
// or refuses one outside them (policy).
// A customer not reached gives no satisfaction score; a low score needs the customer's words.
import { get } from '../api.js';
import { html, useEffect, useState } from '../html.js';
import { dateTime, t } from '../i18n/index.js';
import { isLadder } from '../app.js';
import { useCommand } from './command.js';
import { FieldControl, messagesFor } from './fields.js';
import { ProblemNotice } from './ui.js';

const kChannels = ['chat', 'phone'];
const kOutcomes = ['reached', 'not_reached'];
const kScores = ['5', '4', '3', '2', '1'];

function enumField(name, titleKey, values, wordOf) {
  return {
    name,
    type: 'enum',
    title: t(titleKey),
    values,
    value_titles: Object.fromEntries(values.map((v) => [v, wordOf(v)])),
  };
}

function AttemptList({ attempts }) {
  if (!attempts.length) return html`<p class="muted">${t('followup.no_attempts')}</p>`;
  return html`<ol class="follow-up-attempts">
    ${attempts.map((a, i) => html`<li key=${i} data-outcome=${a.outcome}>
      <span>${dateTime(a.at)} · ${a.by} · ${t(`followup.channel.${a.channel}`)}</span>
      <strong> ${a.outcome === 'reached' ? t('followup.csat_of', { csat: a.csat }) : t('followup.outcome.not_reached')}</strong>
      ${a.outside_window ? html` <span class="badge badge-warn">${t('followup.outside_window')}</span>` : null}
      ${a.comment ? html`<div class="muted">“${a.comment}”</div>` : null}
    </li>`)}
  </ol>`;
}

export function FollowUpPanel({ caseView }) {
  const { me, data, def } = caseView;
  const [channel, setChannel] = useState('');
  // Whether the customer on record has a chat id (the record shows it masked): chat is then the
  // suggested channel, else the phone. null: not known (no record, or not readable).
  const [hasChat, setHasChat] = useState(null);
  const customerId = data.customer && data.customer.id;
  const inFollowUp = data.stage === 'follow_up' && !data.closed_at;
  useEffect(() => {
    if (!inFollowUp || !customerId) return undefined;
    let current = true;
    get(`/v1/customers/${encodeURIComponent(customerId)}`)
      .then((answer) => { if (current) setHasChat(Boolean(answer.data.contacts && answer.data.contacts.chat_id)); })
      .catch(() => {});
    return () => { current = false; };
  }, [customerId, inFollowUp]);
  const suggested = hasChat === false ? 'phone' : 'chat';
  const [outcome, setOutcome] = useState('');
  const [csat, setCsat] = useState('');
  const [comment, setComment] = useState('');
  const command = useCommand(caseView);
  // Only workflows under a follow-up policy record attempts (complaint v3 and later).
  if (!inFollowUp || !(def.policies && def.policies.follow_up)) return null;
  const chosen = channel || suggested;
  const attempts = data.follow_up_attempts || [];
  const reached = outcome === 'reached';
  async function submit(event) {
    event.preventDefault();
    const body = { channel: chosen, outcome };
    if (reached && csat) body.csat = Number(csat);
    if (comment.trim()) body.comment = comment;
    if (await command.run('/follow-ups', body)) {
      setOutcome('');
      setCsat('');
      setComment('');
    }
  }
  const problems = (member) => messagesFor(command.fieldErrors, '', member);
  return html`<section class="panel follow-up-panel" aria-labelledby="follow-up-heading">
    <h2 id="follow-up-heading">${t('followup.title')}</h2>
    ${data.follow_up_due
      ? html`<p data-follow-up-due=${data.follow_up_due}>${t('followup.due', { due: dateTime(data.follow_up_due) })}</p>`
      : null}
    <${AttemptList} attempts=${attempts} />
    ${isLadder(me.role)
      ? html`<form class="follow-up-form" onSubmit=${submit}>
          <p class="muted" data-suggested-channel=${suggested}>${hasChat === true
            ? t('followup.suggest_chat') : hasChat === false ? t('followup.suggest_phone') : t('followup.channel_hint')}</p>
          <${FieldControl} id="follow-up-channel" required
            field=${enumField('channel', 'followup.channel', kChannels, (v) => t(`followup.channel.${v}`))}
            value=${chosen} onInput=${setChannel} messages=${problems('channel')} />
          <${FieldControl} id="follow-up-outcome" required
            field=${enumField('outcome', 'followup.outcome', kOutcomes, (v) => t(`followup.outcome.${v}`))}
            value=${outcome} onInput=${setOutcome} messages=${problems('outcome')} />
          ${reached
            ? html`<${FieldControl} id="follow-up-csat" required
                field=${enumField('csat', 'followup.csat', kScores, (v) => t(`followup.score.${v}`))}
                value=${csat} onInput=${setCsat} messages=${problems('csat')} />`
            : null}
          <${FieldControl} id="follow-up-comment"
            field=${{ name: 'comment', type: 'text', title: t('followup.comment'), max_length: 2000 }}
            value=${comment} onInput=${setComment} messages=${problems('comment')} />
          <${ProblemNotice} error=${command.error} onReload=${caseView.reload} />
          <button type="submit" disabled=${command.busy || !chosen || !outcome || (reached && !csat)}>${t('followup.record')}</button>
        </form>`
      : null}
  </section>`;
}
