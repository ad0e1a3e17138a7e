// Running a case command from a form: sent with If-Match (the version the page shows, kept
// current by the live stream) and an Idempotency-Key (a retry after a lost answer cannot act
// twice). The form keeps what was typed when the command is refused; field errors come back by
// pointer for the controls to show.
import { newIdempotencyKey, post } from '../api.js';
import { useState } from '../html.js';

export function useCommand(caseView) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function run(path, body) {
    setBusy(true);
    setError(null);
    try {
      const answer = await post(`/v1/cases/${encodeURIComponent(caseView.id)}${path}`, body, {
        ifMatch: caseView.version(),
        idempotencyKey: newIdempotencyKey(),
      });
      caseView.applyOutcome(answer.data);
      return answer.data;
    } catch (caught) {
      setError(caught);
      return null;
    } finally {
      setBusy(false);
    }
  }
  const fieldErrors = error && error.fieldErrors ? error.fieldErrors() : {};
  return { run, error, busy, fieldErrors, clearError: () => setError(null) };
}
