// The console's words and formats. The language comes from the browser (navigator.languages:
// any zh* is Chinese, else English) unless the person chose one with the switch, which is kept
// in localStorage (a preference, not a secret). Times are shown in the viewer's own time zone;
// money by its currency with its minor-unit digits (¥299.00, JP¥1,299, KWD 1.299).
import en from './en.js';
import zh from './zh.js';

export const catalogues = { en, zh };
export const languages = ['zh', 'en'];
const kPreferenceKey = 'redress.language';

function browserLanguage() {
  const wanted = (typeof navigator !== 'undefined' && navigator.languages) || [];
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (base === 'zh') return 'zh';
    if (base === 'en') return 'en';
  }
  return 'en';
}

function storedLanguage() {
  if (typeof localStorage === 'undefined') return null;
  try {
    const chosen = localStorage.getItem(kPreferenceKey);
    return languages.includes(chosen) ? chosen : null;
  } catch {
    return null;
  }
}

let current = storedLanguage() || browserLanguage();
const listeners = new Set();

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!languages.includes(lang) || lang === current) return;
  current = lang;
  try {
    globalThis.localStorage?.setItem(kPreferenceKey, lang);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  markDocument();
  for (const listener of listeners) listener(lang);
}

export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// The message for `key` with {placeholders} filled from `args`. A missing key shows the key
// itself (and the catalogue test keeps that from shipping).
export function t(key, args) {
  const text = catalogues[current][key] ?? catalogues.en[key] ?? key;
  if (!args) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in args ? String(args[name]) : whole));
}

export function has(key) {
  return key in catalogues[current];
}

// A label from a definition: a plain string (English, older definitions) or {"en":…,"zh":…}.
export function label(value, fallback = '') {
  if (value == null) return fallback;
  if (typeof value === 'string') return value;
  return value[current] ?? value.en ?? Object.values(value)[0] ?? fallback;
}

// A vocabulary word (role, stage, severity, level, compensation type) or the raw value.
export function word(kind, value) {
  if (value == null || value === '') return t('app.none');
  const key = `${kind}.${value}`;
  return has(key) ? t(key) : String(value);
}

function locale() {
  return current === 'zh' ? 'zh-CN' : 'en-GB';
}

const minorDigitsCache = new Map();
function minorDigits(currency) {
  if (!minorDigitsCache.has(currency)) {
    let digits = 2;
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits;
    } catch {
      // An unknown code: show two digits, as most currencies have.
    }
    minorDigitsCache.set(currency, digits);
  }
  return minorDigitsCache.get(currency);
}

// {amount, currency} in minor units → "¥299.00". Integer arithmetic up to the division, so no
// amount is rounded through a binary fraction before it is shown.
export function money(value) {
  if (!value || !value.currency || value.amount == null) return t('app.none');
  const digits = minorDigits(value.currency);
  const scale = 10 ** digits;
  const amount = Number(value.amount);
  try {
    return new Intl.NumberFormat(locale(), {
      style: 'currency',
      currency: value.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount / scale);
  } catch {
    return `${value.currency} ${fromMinorUnits(amount, value.currency)}`;  // a code Intl lacks
  }
}

// A major-unit text typed by a person ("12.5") → minor units for the currency, or null.
export function toMinorUnits(text, currency) {
  const digits = minorDigits(currency);
  const match = /^\s*(\d{1,15})(?:[.,](\d*))?\s*$/.exec(String(text));
  if (!match) return null;
  const fraction = match[2] || '';
  if (fraction.length > digits) return null;
  return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || 0);
}

export function fromMinorUnits(amount, currency) {
  const digits = minorDigits(currency);
  if (digits === 0) return String(amount);
  const sign = amount < 0 ? '-' : '';
  const text = String(Math.abs(amount)).padStart(digits + 1, '0');
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

export function dateTime(iso) {
  if (!iso) return t('app.none');
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(when);
}

// A duration in ms as "2 h 05 min" / "2 小时 05 分" (days when ≥ 1 day).
export function duration(ms) {
  const total = Math.max(0, Math.round(Math.abs(ms) / 60000));
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const minutes = total % 60;
  const zh = current === 'zh';
  const parts = [];
  if (days) parts.push(zh ? `${days} 天` : `${days} d`);
  if (days || hours) parts.push(zh ? `${hours} 小时` : `${hours} h`);
  if (!days) parts.push(zh ? `${minutes} 分` : `${minutes} min`);
  return parts.join(' ');
}

function markDocument() {
  if (typeof document !== 'undefined') document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
}
markDocument();
