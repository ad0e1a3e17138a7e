// Forms generated from a workflow's field definitions: exactly the fields a transition (or the
// case's creation) requires and accepts, each as the control its type calls for, with the
// server's validation problems beside the field they name, in the viewer's language.
//
// Field types: string, text, enum (a select of its values), bool (a select of yes / no, so that
// "not answered" stays distinguishable for a required field), integer, money (amount in major
// units + currency), datetime (the viewer's local time, sent as UTC RFC 3339), reference.
import { html } from '../html.js';
import { dateTime, fromMinorUnits, has, label, language, money, t, toMinorUnits, word } from '../i18n/index.js';

export const kCurrencies = ['CNY', 'USD', 'EUR', 'HKD', 'JPY', 'GBP'];

// What the control holds for a field before anything is typed: the case's current value when
// it has one, so a transition that re-requires a field does not ask for it again from scratch.
export function initialValue(field, current) {
  if (current === undefined || current === null) {
    return field.type === 'money' ? { amount: '', currency: field.currency || 'CNY' } : '';
  }
  switch (field.type) {
    case 'bool':
      return current ? 'true' : 'false';
    case 'money':
      return { amount: fromMinorUnits(current.amount, current.currency), currency: current.currency };
    case 'datetime':
      return toLocalInput(current);
    default:
      return String(current);
  }
}

function toLocalInput(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}T${pad(when.getHours())}:${pad(when.getMinutes())}`;
}

// The JSON value to send for a control's content, or undefined to leave the field out (the
// server then reports a required one as missing). Text that does not parse is sent as typed, so
// the server's own message says what is wrong with it.
export function wireValue(field, value) {
  switch (field.type) {
    case 'bool':
      return value === '' ? undefined : value === 'true';
    case 'integer': {
      if (value === '') return undefined;
      return /^-?\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : value;
    }
    case 'money': {
      if (!value || value.amount === '') return undefined;
      const minor = toMinorUnits(value.amount, value.currency);
      return { amount: minor === null ? value.amount : minor, currency: value.currency };
    }
    case 'datetime': {
      if (value === '') return undefined;
      const when = new Date(value);
      return Number.isNaN(when.getTime()) ? value : when.toISOString();
    }
    default:
      return value === '' ? undefined : value;
  }
}

// The catalogue key for a field problem's reason: a few reasons have variants for the arguments
// the server gave (a range open at one end, a length in bytes).
function reasonKey(params) {
  switch (params.reason) {
    case 'out_of_range':
      if (params.minimum === undefined) return 'fieldreason.out_of_range_max';
      if (params.maximum === undefined) return 'fieldreason.out_of_range_min';
      break;
    case 'length_out_of_range':
      if (params.max_bytes !== undefined) return 'fieldreason.length_out_of_range_bytes';
      break;
    default:
      break;
  }
  return `fieldreason.${params.reason}`;
}

// The params of a field problem as words for the message's {placeholders}: lists joined, money
// by its currency, types, levels and roles in words.
function problemArguments(params) {
  const args = {};
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) args[name] = value.join(language() === 'zh' ? '、' : ', ');
    else if (value && typeof value === 'object' && 'currency' in value) args[name] = money(value);
    else if (name === 'type') args[name] = has(`fieldtype.${value}`) ? t(`fieldtype.${value}`) : String(value);
    else if (name === 'level') args[name] = word('level', value);
    else if (name === 'role') args[name] = word('role', value);
    else if (name === 'window_ends' || name === 'closed_at') args[name] = dateTime(value);
    else args[name] = String(value);
  }
  return args;
}

// One field problem from the server ({pointer, code, params, message}) in the viewer's language:
// the words of its reason (fieldreason.<params.reason>), else of its code (fieldproblem.<code>),
// with the params filled in. Only a code the console does not know falls back to the server's
// English message, which is then marked lang="en". Returns {text, lang}.
export function fieldProblemText(problem) {
  if (typeof problem === 'string') return { text: problem, lang: 'en' };
  const codeKey = `fieldproblem.${problem.code}`;
  if (!problem.code || !has(codeKey)) return { text: problem.message || String(problem.code), lang: 'en' };
  const params = problem.params && typeof problem.params === 'object' ? problem.params : {};
  const key = params.reason && has(reasonKey(params)) ? reasonKey(params) : codeKey;
  return { text: t(key, problemArguments(params)), lang: undefined };
}

// Field problems whose pointer names `name` under `base` ("/data/summary", "/data/summary/amount").
export function messagesFor(errors, base, name) {
  const prefix = `${base}/${name}`;
  const found = [];
  for (const [pointer, messages] of Object.entries(errors || {})) {
    if (pointer === prefix || pointer.startsWith(`${prefix}/`)) found.push(...messages);
  }
  return found;
}

function enumLabel(field, value) {
  const labels = field.value_titles || field.value_labels;
  return labels && labels[value] ? label(labels[value]) : value;
}

// One labelled control. `id` must be unique in the page.
export function FieldControl({ field, value, onInput, messages, required, id }) {
  const title = label(field.title, field.name);
  const described = messages && messages.length ? `${id}-error` : undefined;
  const invalid = described ? 'true' : undefined;
  let control;
  switch (field.type) {
    case 'text':
      control = html`<textarea id=${id} name=${field.name} rows="3" maxlength=${field.max_length || undefined}
        aria-invalid=${invalid} aria-describedby=${described} aria-required=${required ? 'true' : undefined}
        value=${value} onInput=${(e) => onInput(e.target.value)}></textarea>`;
      break;
    case 'enum':
      control = html`<select id=${id} name=${field.name} aria-invalid=${invalid} aria-describedby=${described}
        aria-required=${required ? 'true' : undefined} value=${value} onChange=${(e) => onInput(e.target.value)}>
        <option value="">${t('field.choose')}</option>
        ${(field.values || []).map((v) => html`<option value=${v}>${enumLabel(field, v)}</option>`)}
      </select>`;
      break;
    case 'bool':
      control = html`<select id=${id} name=${field.name} aria-invalid=${invalid} aria-describedby=${described}
        aria-required=${required ? 'true' : undefined} value=${value} onChange=${(e) => onInput(e.target.value)}>
        <option value="">${t('field.choose')}</option>
        <option value="true">${t('app.yes')}</option>
        <option value="false">${t('app.no')}</option>
      </select>`;
      break;
    case 'money':
      control = html`<span class="money-input">
        <input id=${id} name=${field.name} inputmode="decimal" autocomplete="off" aria-invalid=${invalid}
          aria-describedby=${described} aria-required=${required ? 'true' : undefined}
          value=${value.amount} onInput=${(e) => onInput({ ...value, amount: e.target.value })} />
        <label class="visually-hidden" for=${`${id}-currency`}>${t('field.currency')}</label>
        <select id=${`${id}-currency`} value=${value.currency} onChange=${(e) => onInput({ ...value, currency: e.target.value })}>
          ${kCurrencies.map((c) => html`<option value=${c}>${c}</option>`)}
        </select>
      </span>`;
      break;
    case 'datetime':
      control = html`<input id=${id} name=${field.name} type="datetime-local" aria-invalid=${invalid}
        aria-describedby=${described} aria-required=${required ? 'true' : undefined}
        value=${value} onInput=${(e) => onInput(e.target.value)} />`;
      break;
    case 'set': {
      // Several of `values` at once (an array): one checkbox each.
      const chosen = Array.isArray(value) ? value : [];
      const toggle = (v, on) => onInput(on ? [...chosen, v] : chosen.filter((c) => c !== v));
      control = html`<div id=${id} role="group" class="choice-set" aria-invalid=${invalid} aria-describedby=${described}>
        ${(field.values || []).map((v) => html`<label class="choice" key=${v}><input type="checkbox" name=${field.name} value=${v}
          checked=${chosen.includes(v)} onChange=${(e) => toggle(v, e.target.checked)} /> ${enumLabel(field, v)}</label>`)}
      </div>`;
      break;
    }
    case 'integer':
      control = html`<input id=${id} name=${field.name} inputmode="numeric" autocomplete="off" aria-invalid=${invalid}
        aria-describedby=${described} aria-required=${required ? 'true' : undefined}
        value=${value} onInput=${(e) => onInput(e.target.value)} />`;
      break;
    default:
      control = html`<input id=${id} name=${field.name} autocomplete="off" maxlength=${field.max_length || undefined}
        aria-invalid=${invalid} aria-describedby=${described} aria-required=${required ? 'true' : undefined}
        value=${value} onInput=${(e) => onInput(e.target.value)} />`;
  }
  return html`<div class=${`field${described ? ' field-invalid' : ''}`} data-field=${field.name}>
    <label for=${id}>${title}${required ? html` <span class="required">(${t('field.required')})</span>` : null}</label>
    ${control}
    ${described
      ? html`<ul class="field-errors" id=${described}>${messages.map((m) => {
        const { text, lang } = fieldProblemText(m);
        return html`<li lang=${lang} data-code=${m.code} data-reason=${m.params && m.params.reason}>${text}</li>`;
      })}</ul>`
      : null}
  </div>`;
}
