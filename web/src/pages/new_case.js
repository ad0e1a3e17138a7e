// A new case: a complaint taken by phone or chat. The form is generated from the chosen
// workflow's creation fields (`create.requires` and `create.accepts`); customer, order,
// severity, team and assignee are the case's own. Issue 15 turns customer and order into
// records picked here; the customer and order part of this form is where that goes.
import { newIdempotencyKey, post } from '../api.js';
import { html, useEffect, useState } from '../html.js';
import { label, t, toMinorUnits, word } from '../i18n/index.js';
import { navigate } from '../router.js';
import { definition, field as fieldOf, workflowList } from '../workflows.js';
import { FieldControl, initialValue, messagesFor, wireValue } from '../components/fields.js';
import { Loading, ProblemNotice } from '../components/ui.js';

const kSeverities = ['low', 'normal', 'high', 'critical'];

export function NewCasePage({ me }) {
  const [workflows, setWorkflows] = useState(null);
  const [workflowId, setWorkflowId] = useState('');
  const [def, setDef] = useState(null);
  const [values, setValues] = useState({});
  const [caseFields, setCaseFields] = useState({
    customer_id: '', segment: '', tier: '', order_id: '', order_paid: { amount: '', currency: 'CNY' },
    severity: 'normal', team: me.team ? me.team.id : '', assignee: me.user && me.role === 'agent' ? me.user.id : '',
  });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    workflowList().then((list) => {
      const latest = list.filter((w) => w.latest);
      setWorkflows(latest);
      if (latest.length) setWorkflowId(latest.find((w) => w.id === 'complaint') ? 'complaint' : latest[0].id);
    }).catch(setError);
  }, []);

  useEffect(() => {
    if (!workflowId || !workflows) return;
    const summary = workflows.find((w) => w.id === workflowId);
    definition(summary.id, summary.version).then((loaded) => {
      setDef(loaded);
      const start = {};
      for (const name of [...loaded.create.requires, ...loaded.create.accepts]) start[name] = initialValue(fieldOf(loaded, name));
      setValues(start);
    }).catch(setError);
  }, [workflowId, workflows]);

  if (!workflows || !def) {
    return html`<section><h1 tabindex="-1">${t('newcase.title')}</h1><${ProblemNotice} error=${error} />${error ? null : html`<${Loading} />`}</section>`;
  }

  const names = [...def.create.requires, ...def.create.accepts];
  const errors = error && error.fieldErrors ? error.fieldErrors() : {};
  const set = (name, value) => setCaseFields({ ...caseFields, [name]: value });

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const fields = {};
    for (const name of names) {
      const value = wireValue(fieldOf(def, name), values[name]);
      if (value !== undefined) fields[name] = value;
    }
    const customer = { id: caseFields.customer_id.trim() };
    if (caseFields.segment.trim()) customer.segment = caseFields.segment.trim();
    if (caseFields.tier.trim()) customer.tier = caseFields.tier.trim();
    const body = { workflow_id: def.id, workflow_version: def.version, severity: caseFields.severity, customer, fields };
    if (caseFields.order_id.trim()) {
      const paid = caseFields.order_paid;
      const minor = toMinorUnits(paid.amount, paid.currency);
      body.order = { id: caseFields.order_id.trim(), paid: { amount: minor === null ? paid.amount : minor, currency: paid.currency } };
    }
    if (caseFields.team) body.team = caseFields.team;
    if (caseFields.assignee.trim()) body.assignee = caseFields.assignee.trim();
    try {
      const answer = await post('/v1/cases', body, { idempotencyKey: newIdempotencyKey() });
      navigate(`/cases/${encodeURIComponent(answer.data.case.id)}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const plain = (name, titleKey, pointer, required = false) => html`<${FieldControl} id=${`new-${name}`}
    field=${{ name, type: 'string', title: t(titleKey) }} required=${required} value=${caseFields[name]}
    onInput=${(v) => set(name, v)} messages=${messagesFor(errors, pointer.base, pointer.name)} />`;

  return html`<section class="new-case">
    <h1 tabindex="-1">${t('newcase.title')}</h1>
    <p class="muted">${t('newcase.intro')}</p>
    <form onSubmit=${submit} novalidate>
      <div class="form-grid">
        <div class="field">
          <label for="new-workflow">${t('newcase.workflow')}</label>
          <select id="new-workflow" value=${workflowId} onChange=${(e) => setWorkflowId(e.target.value)}>
            ${workflows.map((w) => html`<option value=${w.id}>${label(w.title, w.id)}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="new-severity">${t('newcase.severity')}</label>
          <select id="new-severity" value=${caseFields.severity} onChange=${(e) => set('severity', e.target.value)}>
            ${kSeverities.map((s) => html`<option value=${s}>${word('severity', s)}</option>`)}
          </select>
        </div>
        ${plain('customer_id', 'newcase.customer_id', { base: '/customer', name: 'id' }, true)}
        ${plain('segment', 'newcase.segment', { base: '/customer', name: 'segment' })}
        ${plain('tier', 'newcase.tier', { base: '/customer', name: 'tier' })}
        ${plain('order_id', 'newcase.order_id', { base: '/order', name: 'id' })}
        <${FieldControl} id="new-order-paid" field=${{ name: 'paid', type: 'money', title: t('newcase.order_paid') }}
          value=${caseFields.order_paid} onInput=${(v) => set('order_paid', v)} messages=${messagesFor(errors, '/order', 'paid')} />
        ${plain('team', 'newcase.team', { base: '', name: 'team' })}
        ${plain('assignee', 'newcase.assignee', { base: '', name: 'assignee' })}
      </div>
      <fieldset>
        <legend>${label(def.title, def.id)}</legend>
        ${names.map((name) => html`<${FieldControl} key=${`${def.id}-${name}`} id=${`new-field-${name}`} field=${fieldOf(def, name)}
          value=${values[name]} required=${def.create.requires.includes(name)}
          messages=${messagesFor(errors, '/fields', name)} onInput=${(v) => setValues({ ...values, [name]: v })} />`)}
      </fieldset>
      <${ProblemNotice} error=${error} />
      <button type="submit" class="primary" disabled=${busy}>${t('newcase.create')}</button>
    </form>
  </section>`;
}
