// The console's catalogues: both languages have the same keys and the same placeholders, no
// message is empty, and everything the server can send has words in both — every journal event
// type, problem code and field-problem code and reason of the OpenAPI document (the document the
// server itself serves), every role, stage, severity and compensation type.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import en from '../../src/i18n/en.js';
import zh from '../../src/i18n/zh.js';

const openapi = JSON.parse(readFileSync(new URL('../../../api/routes/openapi.json', import.meta.url), 'utf8'));
const schemas = openapi.components.schemas;
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('both catalogues have exactly the same keys', () => {
  const onlyEn = Object.keys(en).filter((k) => !(k in zh));
  const onlyZh = Object.keys(zh).filter((k) => !(k in en));
  assert.deepEqual(onlyEn, [], `keys missing from zh.js: ${onlyEn.join(', ')}`);
  assert.deepEqual(onlyZh, [], `keys missing from en.js: ${onlyZh.join(', ')}`);
});

test('no message is empty and both languages use the same placeholders', () => {
  for (const key of Object.keys(en)) {
    assert.ok(en[key].trim(), `en ${key} is empty`);
    assert.ok(zh[key].trim(), `zh ${key} is empty`);
    assert.deepEqual(placeholders(zh[key]), placeholders(en[key]), `placeholders of ${key} differ`);
  }
});

test('the Chinese catalogue is Chinese', () => {
  // Words kept as they are in both (brand, protocol names, symbols) are exempt.
  const same = new Set(['app.name', 'app.none', 'nav.webhooks']);
  const untranslated = Object.keys(en).filter((k) => !same.has(k) && en[k] === zh[k]);
  assert.deepEqual(untranslated, [], `zh.js repeats the English of: ${untranslated.join(', ')}`);
});

function expectKeys(prefix, values, what) {
  const missing = values.filter((v) => !(`${prefix}.${v}` in en) || !(`${prefix}.${v}` in zh));
  assert.deepEqual(missing, [], `${what} without a console message: ${missing.join(', ')}`);
}

test('every journal event type has a rendering', () => {
  expectKeys('event', schemas.JournalEventType.enum, 'journal event types');
});

test('every authority limit an approval request can name has words', () => {
  const scope = schemas.ApprovalAuthorityCheck.properties.exceeded.items.properties.scope;
  expectKeys('event.authority', [...scope.enum, 'none', 'separator'], 'authority scopes');
});

test('every problem code has a message', () => {
  expectKeys('problem', schemas.Problem.properties.code.enum, 'problem codes');
});

// Field problems (errors[] items) are worded from their code and params.reason: every code and
// reason the OpenAPI document lists has words, and the document lists every reason the server's
// sources can send (problem_params("reason", ...) in engine/, storage/ and api/).
test('every field-problem code and reason has words', () => {
  expectKeys('fieldproblem', schemas.FieldProblemCode.enum, 'field-problem codes');
  expectKeys('fieldreason', schemas.FieldProblemReason.enum, 'field-problem reasons');
  const types = ['string', 'text', 'enum', 'bool', 'integer', 'money', 'datetime', 'reference', 'object', 'array'];
  expectKeys('fieldtype', types, 'field types');
});

test('the OpenAPI document lists every field-problem reason the server sends', () => {
  const root = new URL('../../../', import.meta.url);
  const sent = new Set();
  const scan = (dir) => {
    for (const entry of readdirSync(new URL(dir, root), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) scan(path);
      else if (/\.(cpp|h)$/.test(entry.name)) {
        const text = readFileSync(new URL(path, root), 'utf8');
        for (const match of text.matchAll(/problem_params\(\s*"([a-z_]+)"/g)) sent.add(match[1]);
      }
    }
  };
  for (const dir of ['engine', 'storage', 'api']) scan(dir);
  assert.ok(sent.size > 20, `found only ${sent.size} reasons: is the scan looking in the right place?`);
  const documented = new Set(schemas.FieldProblemReason.enum);
  const undocumented = [...sent].filter((r) => !documented.has(r)).sort();
  assert.deepEqual(undocumented, [], `reasons missing from FieldProblemReason: ${undocumented.join(', ')}`);
});

test('every role, stage, severity, level and compensation type has a word', () => {
  expectKeys('role', schemas.Role.enum, 'roles');
  expectKeys('severity', schemas.Severity.enum, 'severities');
  expectKeys('comptype', schemas.CompensationType.enum, 'compensation types');
  expectKeys('stage', ['confirm', 'analyse', 'negotiate', 'resolve', 'follow_up', 'closed'], 'stages');
  expectKeys('level', ['agent', 'team_lead', 'supervisor', 'manager'], 'escalation levels');
  expectKeys('comp.status', schemas.Compensation.properties.status.enum, 'compensation statuses');
});

test('every key the console source uses exists', () => {
  // t('…') calls with a literal key; keys built at run time (event.*, problem.*, role.* …) are
  // covered by the tests above.
  const sources = ['app.js', 'components/ui.js', 'components/fields.js', 'components/timeline.js',
    'components/case_panels.js', 'pages/signin.js', 'pages/queue.js', 'pages/case.js', 'pages/new_case.js',
    'pages/approvals.js', 'pages/escalations.js', 'pages/ledger.js', 'pages/workload.js', 'pages/admin.js', 'pages/first_steps.js',
    'pages/customers.js', 'pages/customer.js', 'components/customer_parts.js', 'customers.js',
    'case_links.js', 'components/links_panel.js'];
  const missing = [];
  for (const file of sources) {
    const text = readFileSync(new URL(`../../src/${file}`, import.meta.url), 'utf8');
    for (const match of text.matchAll(/\bt\('([a-z_.0-9]+)'/g)) {
      if (!(match[1] in en)) missing.push(`${file}: ${match[1]}`);
    }
  }
  assert.deepEqual(missing, []);
});
