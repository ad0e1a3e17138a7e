// Links between cases in words: each kind and direction worded from the case shown, the other
// case's id set apart for the page to make a link; the duplicate-complaint refusal recognised
// from its problem; the link problems the server words only in English given words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kLinkKinds, linkFieldErrors, linkKindWord, linkSentence, openCaseRefusal } from '../../src/case_links.js';
import { fieldProblemText } from '../../src/components/fields.js';
import { setLanguage } from '../../src/i18n/index.js';
import en from '../../src/i18n/en.js';
import zh from '../../src/i18n/zh.js';

const link = (kind, direction, other = 'C-12') => ({
  id: 1, case_id: 'C-15', linked_case_id: 'C-12', kind, direction, other_case_id: other, reason: '同一订单', created_by: 'xu.ning',
  created_at: '2026-12-03T08:00:00Z',
});
const joined = (s) => `${s.before}${s.caseId}${s.after}`;

test('every kind of link has words in both directions and both languages', () => {
  for (const kind of kLinkKinds) {
    for (const direction of ['outgoing', 'incoming']) {
      for (const catalogue of [en, zh]) {
        const text = catalogue[`links.${direction}.${kind}`];
        assert.ok(text && text.includes('{case}'), `${direction} ${kind}`);
      }
    }
    assert.ok(en[`links.kind.${kind}`] && zh[`links.kind.${kind}`], kind);
  }
});

test('a link is worded from the side of the case shown', () => {
  setLanguage('en');
  assert.equal(joined(linkSentence(link('duplicate_of', 'outgoing'))), 'Duplicate of C-12');
  assert.equal(joined(linkSentence(link('follow_up_of', 'incoming', 'C-15'))), 'C-15 is a follow-up of this case');
  const parts = linkSentence(link('related_to', 'incoming', 'C-15'));
  assert.deepEqual(parts, { before: '', caseId: 'C-15', after: ' is related to this case' });
  assert.equal(linkKindWord('duplicate_of'), 'Duplicate of');
  setLanguage('zh');
  assert.equal(joined(linkSentence(link('duplicate_of', 'outgoing'))), '本工单是 C-12 的重复工单');
  assert.equal(joined(linkSentence(link('follow_up_of', 'incoming', 'C-15'))), 'C-15 是本工单的后续工单');
  assert.equal(linkKindWord('related_to'), '相关工单');
});

test('a kind the console does not know yet is named as it is', () => {
  setLanguage('en');
  assert.equal(joined(linkSentence(link('caused_by', 'outgoing'))), 'Linked to C-12 (caused_by)');
  assert.equal(joined(linkSentence(link('caused_by', 'incoming', 'C-15'))), 'C-15 is linked to this case (caused_by)');
  assert.equal(linkKindWord('caused_by'), 'caused_by');
});

test('the duplicate-complaint refusal is recognised by its reason, wherever the order was named', () => {
  const refusal = (pointer, params) => ({
    status: 409,
    problem: { code: 'ALREADY_EXISTS', errors: [{ pointer, code: 'ALREADY_EXISTS', params, message: 'order already has an open case' }] },
  });
  assert.deepEqual(openCaseRefusal(refusal('/order_id', { reason: 'open_case_for_order', case_id: 'C-12' })),
    { caseId: 'C-12', pointer: '/order_id' });
  assert.deepEqual(openCaseRefusal(refusal('/order/id', { reason: 'open_case_for_order', case_id: 'C-7' })),
    { caseId: 'C-7', pointer: '/order/id' });
  // Another conflict, another status, no case named, no problem at all: not this refusal.
  assert.equal(openCaseRefusal(refusal('/customer/id', { reason: 'customer_merged', merged_into: 'CU-1' })), null);
  assert.equal(openCaseRefusal({ ...refusal('/order_id', { reason: 'open_case_for_order', case_id: 'C-12' }), status: 422 }), null);
  assert.equal(openCaseRefusal(refusal('/order_id', { reason: 'open_case_for_order' })), null);
  assert.equal(openCaseRefusal({ status: 409, problem: { code: 'CONFLICT' } }), null);
  assert.equal(openCaseRefusal(null), null);
  assert.equal(openCaseRefusal(new Error('network')), null);
});

test('a missing case and a link made twice get words of their own; other problems pass as they are', () => {
  setLanguage('en');
  const errors = {
    '/case_id': [{ pointer: '/case_id', code: 'NOT_FOUND', message: "there is no case 'C-999' to link to" }],
    '/reason': [{ pointer: '/reason', code: 'INVALID_FIELD', params: { reason: 'too_long', max_length: 2000, length: 2001 } }],
  };
  const worded = linkFieldErrors(errors, '', 'C-999');
  assert.equal(fieldProblemText(worded['/case_id'][0]).text, 'There is no case C-999.');
  assert.equal(worded['/reason'], errors['/reason']);
  const twice = linkFieldErrors({ '/link/case_id': [{ pointer: '/link/case_id', code: 'ALREADY_EXISTS' }] }, '/link', 'C-12');
  assert.equal(fieldProblemText(twice['/link/case_id'][0]).text, 'This case is already linked to C-12 in this way.');
  setLanguage('zh');
  assert.equal(fieldProblemText(twice['/link/case_id'][0]).text, '本工单已以此类型关联到 C-12。');
  // A problem that has its reason already keeps it.
  const itself = { '/case_id': [{ pointer: '/case_id', code: 'INVALID_FIELD', params: { reason: 'same_case' } }] };
  assert.deepEqual(linkFieldErrors(itself, '', 'C-15'), itself);
  assert.deepEqual(linkFieldErrors(undefined, '', 'C-1'), {});
});
