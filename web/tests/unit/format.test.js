// Money and time formatting: integer minor units in, the currency's own digits out, and what a
// person types (major units) back to minor units without binary fractions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duration, fromMinorUnits, money, setLanguage, toMinorUnits } from '../../src/i18n/index.js';

test('money is shown with the minor-unit digits of its currency', () => {
  setLanguage('zh');
  assert.equal(money({ amount: 29900, currency: 'CNY' }), '¥299.00');
  setLanguage('en');
  assert.equal(money({ amount: 29900, currency: 'CNY' }), 'CN¥299.00');
  assert.equal(money({ amount: 1299, currency: 'JPY' }), 'JP¥1,299');
  assert.equal(money({ amount: 1299, currency: 'KWD' }).replace(/\s/g, ' '), 'KWD 1.299');
  assert.equal(money({ amount: 0, currency: '' }), '—');
});

test('typed amounts become minor units exactly, and too many decimals are refused', () => {
  assert.equal(toMinorUnits('12.5', 'CNY'), 1250);
  assert.equal(toMinorUnits('0.29', 'CNY'), 29);   // 0.29 * 100 is 28.999… in binary
  assert.equal(toMinorUnits('1299', 'JPY'), 1299);
  assert.equal(toMinorUnits('1.299', 'KWD'), 1299);
  assert.equal(toMinorUnits('12.345', 'CNY'), null);
  assert.equal(toMinorUnits('1.5', 'JPY'), null);
  assert.equal(toMinorUnits('-3', 'CNY'), null);
  assert.equal(toMinorUnits('abc', 'CNY'), null);
  assert.equal(fromMinorUnits(1250, 'CNY'), '12.50');
  assert.equal(fromMinorUnits(5, 'CNY'), '0.05');
  assert.equal(fromMinorUnits(1299, 'JPY'), '1299');
});

test('durations read as days, hours and minutes in each language', () => {
  setLanguage('en');
  assert.equal(duration(2 * 3600e3 + 5 * 60e3), '2 h 5 min');
  assert.equal(duration(-(3 * 86400e3 + 3600e3)), '3 d 1 h');
  setLanguage('zh');
  assert.equal(duration(45 * 60e3), '45 分');
});
