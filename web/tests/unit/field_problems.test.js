// Field problems (the errors[] items of a problem) worded by the console from their code and
// params in the viewer's language; only an unknown code shows the server's English message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldProblemText } from '../../src/components/fields.js';
import { setLanguage } from '../../src/i18n/index.js';

const tooLong = {
  pointer: '/data/summary', code: 'INVALID_FIELD',
  params: { reason: 'too_long', field: 'summary', type: 'string', max_length: 200, length: 312 },
  message: "field 'summary' is 312 characters long; the maximum is 200",
};

test('a field problem is worded from its reason and params in the viewer language', () => {
  setLanguage('zh');
  assert.deepEqual(fieldProblemText(tooLong), { text: '最多 200 个字（当前 312 个）。', lang: undefined });
  assert.equal(fieldProblemText({ code: 'INVALID_FIELD', params: { reason: 'not_one_of', allowed: ['a', 'b'] } }).text,
    '请从以下选项中选择：a、b。');
  assert.equal(fieldProblemText({ code: 'INVALID_FIELD', params: { reason: 'amount_too_large', maximum_amount: { amount: 100000000, currency: 'CNY' } } }).text,
    '金额超过允许的上限 ¥1,000,000.00。');
  assert.equal(fieldProblemText({ code: 'INVALID_FIELD', params: { reason: 'wrong_type', type: 'integer' } }).text, '必须是整数。');
  setLanguage('en');
  assert.equal(fieldProblemText(tooLong).text, 'At most 200 characters (now 312).');
  assert.equal(fieldProblemText({ code: 'MISSING_FIELD', params: { reason: 'required', field: 'category' } }).text, 'This is required.');
});

test('a range open at one end and a length in bytes have words of their own', () => {
  setLanguage('en');
  assert.equal(fieldProblemText({ code: 'INVALID_FIELD', params: { reason: 'out_of_range', minimum: 1, maximum: 5 } }).text, 'Must be from 1 to 5.');
  assert.equal(fieldProblemText({ code: 'INVALID_FIELD', params: { reason: 'out_of_range', maximum: 5 } }).text, 'Must be at most 5.');
  assert.equal(fieldProblemText({ code: 'INVALID_FIELD', params: { reason: 'out_of_range', minimum: 0 } }).text, 'Must be at least 0.');
  assert.equal(fieldProblemText({ code: 'INVALID_FIELD', params: { reason: 'length_out_of_range', min_length: 1, max_bytes: 64 } }).text,
    'Use 1 to 64 bytes.');
});

test('an unknown reason falls back to the code, an unknown code to the English message', () => {
  setLanguage('zh');
  assert.deepEqual(fieldProblemText({ code: 'INVALID_FIELD', params: { reason: 'from_the_future' }, message: 'no' }),
    { text: '此项的值无效。', lang: undefined });
  assert.deepEqual(fieldProblemText({ code: 'NEW_CODE', params: {}, message: 'something new' }),
    { text: 'something new', lang: 'en' });
  assert.deepEqual(fieldProblemText('a plain message'), { text: 'a plain message', lang: 'en' });
});
