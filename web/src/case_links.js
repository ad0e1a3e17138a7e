// Words and checks for links between cases (duplicate of, related to, follow-up of), shared by
// the case page's linked-cases panel and the new-case form. Pure functions of the link, the
// problem and the catalogue, so they are unit-tested without a browser
// (tests/unit/case_links.test.js).
//
// A link is made from one case and shown on both (GET /v1/cases/{id}/links gives each with its
// `direction` as seen from the case read): "Duplicate of C-12" on the case it was made from,
// "C-15 is a duplicate of this case" on the other.
import { has, t } from './i18n/index.js';

// The kinds in the order a person is offered them: "related to" first, the default, as it
// claims the least about the two cases.
export const kLinkKinds = ['related_to', 'duplicate_of', 'follow_up_of'];

// The sentence of a link as seen from the case shown, split around the other case's id so that
// the page can make the id a link: {before, caseId, after}. A kind the catalogue does not know
// yet (the server's enum grew) is named as it is.
export function linkSentence(link) {
  const direction = link.direction === 'incoming' ? 'incoming' : 'outgoing';
  const key = `links.${direction}.${link.kind}`;
  const text = has(key) ? t(key) : t(`links.${direction}.other`, { kind: link.kind });
  const at = text.indexOf('{case}');
  if (at < 0) return { before: `${text} `, caseId: link.other_case_id, after: '' };
  return { before: text.slice(0, at), caseId: link.other_case_id, after: text.slice(at + '{case}'.length) };
}

// The kind of link as a choice in a form ("Related to", "Duplicate of" …).
export function linkKindWord(kind) {
  return has(`links.kind.${kind}`) ? t(`links.kind.${kind}`) : kind;
}

// When `error` is the refusal of a new case about an order that already has an open case of
// the same workflow (409 ALREADY_EXISTS, a field problem with params.reason
// open_case_for_order at /order_id or /order/id), the open case: {caseId, pointer}; else null.
export function openCaseRefusal(error) {
  if (!error || error.status !== 409 || !error.problem) return null;
  for (const problem of error.problem.errors || []) {
    const params = problem && problem.params;
    if (params && params.reason === 'open_case_for_order' && typeof params.case_id === 'string' && params.case_id) {
      return { caseId: params.case_id, pointer: problem.pointer };
    }
  }
  return null;
}

// Field problems of a link request by pointer, with the two the server words only in English
// given words of their own: a case that does not exist (NOT_FOUND at /case_id) and a link that
// exists already (ALREADY_EXISTS at /case_id). `base` is where the link's members are ('' for
// POST /v1/cases/{id}/links, '/link' in a new case); `caseId` the id that was sent.
export function linkFieldErrors(errors, base, caseId) {
  const pointer = `${base}/case_id`;
  const problems = (errors || {})[pointer];
  if (!problems) return errors || {};
  const worded = problems.map((problem) => {
    if (problem.params && problem.params.reason) return problem;
    if (problem.code === 'NOT_FOUND') return { ...problem, params: { reason: 'no_such_case', case_id: caseId } };
    if (problem.code === 'ALREADY_EXISTS') return { ...problem, params: { reason: 'already_linked', case_id: caseId } };
    return problem;
  });
  return { ...errors, [pointer]: worded };
}
