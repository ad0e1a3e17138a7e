// Customer and order words and formats: levels and segments in words (unknown names as they
// are), money by currency, addresses, items and typed tags.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addressText, contactEntries, customerName, itemsText, kLevels, kSegments, levelChangeReason, levelWord, moneyList, parseTags,
  segmentWord,
} from '../../src/customers.js';
import en from '../../src/i18n/en.js';
import zh from '../../src/i18n/zh.js';
import { setLanguage } from '../../src/i18n/index.js';

test('every shipped membership level and segment has words in both languages', () => {
  for (const level of kLevels) assert.ok(en[`tier.${level}`] && zh[`tier.${level}`], level);
  for (const segment of kSegments) assert.ok(en[`segment.${segment}`] && zh[`segment.${segment}`], segment);
  setLanguage('zh');
  assert.equal(levelWord('diamond'), '钻石会员');
  assert.equal(segmentWord('at_risk'), '流失风险客户');
  assert.equal(levelWord('obsidian'), 'obsidian'); // a policy's new name before the catalogue has it
  assert.equal(levelWord(null), '—');
});

test('compensation granted by currency reads as one line', () => {
  setLanguage('zh');
  assert.equal(moneyList([{ amount: 12000, currency: 'CNY' }, { amount: 500, currency: 'USD' }]), '¥120.00 · US$5.00');
  assert.equal(moneyList([]), '无');
  setLanguage('en');
  assert.equal(moneyList(undefined), 'none');
  assert.equal(moneyList([{ amount: 1299, currency: 'JPY' }]), 'JP¥1,299');
});

test('contacts in a fixed order, addresses and items as lines', () => {
  assert.deepEqual(contactEntries({ email: 'w***@example.com', phone: '138****8000' }),
    [['phone', '138****8000'], ['email', 'w***@example.com']]);
  assert.deepEqual(contactEntries(undefined), []);
  setLanguage('zh');
  assert.equal(addressText({ label: '家', region: '浙江省', city: '杭州市', line: '西湖区文三路 1 号', recipient: '王小明', phone: '13800138000' }),
    '家：浙江省杭州市西湖区文三路 1 号 王小明 13800138000');
  assert.equal(itemsText([{ sku: 'K1', title: '电水壶', quantity: 2 }, { sku: 'F9', quantity: 1 }]), '电水壶 × 2，F9 × 1');
  setLanguage('en');
  assert.equal(addressText({ region: 'Zhejiang', city: 'Hangzhou' }), 'Zhejiang, Hangzhou');
  assert.equal(itemsText([]), 'No items recorded');
});

test('typed tags split on Latin and Chinese commas, without blanks or repeats', () => {
  assert.deepEqual(parseTags('vip, 易怒，多次退货、vip ,'), ['vip', '易怒', '多次退货']);
  assert.deepEqual(parseTags(''), []);
});

test('the reasons the server writes for a merge are worded, a person\'s as typed', () => {
  setLanguage('zh');
  assert.equal(levelChangeReason({ source: 'merge', reason: 'merged into CU-1: same person 同一人' }), '已合并至 CU-1：same person 同一人');
  assert.equal(levelChangeReason({ source: 'merge', reason: 'merged into CU-1' }), '已合并至 CU-1。');
  assert.equal(levelChangeReason({ source: 'assessment', reason: 'merged with CU-2' }), 'CU-2 合并到此客户时保留了较高的会员等级。');
  assert.equal(levelChangeReason({ source: 'manual', reason: 'merged into the VIP list' }), 'merged into the VIP list');
});

test('a customer without a name says why', () => {
  setLanguage('en');
  assert.equal(customerName({ name: '王小明' }), '王小明');
  assert.equal(customerName({ name: '', erased_at: '2026-12-01T00:00:00Z' }), 'Erased on request');
  assert.equal(customerName({ name: '' }), 'No name on record');
});
