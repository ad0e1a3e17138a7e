// Bulk imports (批量导入) for managers and admins: a JSON Lines file of customers or orders is
// sent as the raw body (upload progress shown), the server answers with the job, and the page
// follows the job every second until it ends — lines applied, created / updated / unchanged /
// rejected — then lists the rejected lines by line number with the reason in the viewer's
// language. Below, the recent jobs; choosing one shows it the same way.
import { get, uploadBody } from '../api.js';
import { html, useEffect, useRef, useState } from '../html.js';
import { dateTime, t } from '../i18n/index.js';
import { Loading, ProblemNotice } from '../components/ui.js';

const kKinds = ['customers', 'orders'];
const kFollowEveryMs = 1000;

// A rejected line's reason in the viewer's words; the server's own detail (English) for a reason
// the console has no words for, and always on hover.
function reasonText(error) {
  const key = `import.reason.${error.reason}`;
  const text = t(key);
  return text === key ? error.detail : text;
}

function Counts({ job }) {
  const counts = job.counts;
  return html`<dl class="import-counts" data-state=${job.state}>
    ${['lines', 'created', 'updated', 'unchanged', 'rejected'].map((name) => html`<div key=${name} class=${`count-${name}`}>
      <dt>${t(`import.count.${name}`)}</dt><dd>${counts[name].toLocaleString()}</dd></div>`)}
  </dl>`;
}

function RejectedLines({ job }) {
  const [errors, setErrors] = useState(null);
  const [failure, setFailure] = useState(null);
  useEffect(() => {
    if (!job.counts.rejected || (job.state !== 'done' && job.state !== 'failed')) return;
    get(`/v1/imports/${encodeURIComponent(job.id)}/errors?page_size=100`)
      .then((answer) => setErrors(answer.data.errors))
      .catch(setFailure);
  }, [job.id, job.state, job.counts.rejected]);
  if (failure) return html`<${ProblemNotice} error=${failure} />`;
  if (!errors || !errors.length) return null;
  return html`<div class="import-errors">
    <h3>${t('import.rejected_title', { count: job.counts.rejected })}</h3>
    <table>
      <thead><tr><th>${t('import.line')}</th><th>${t('import.record')}</th><th>${t('import.field')}</th><th>${t('import.reason')}</th></tr></thead>
      <tbody>${errors.map((e, i) => html`<tr key=${i} data-line=${e.line} data-reason=${e.reason}>
        <td>${e.line}</td><td>${e.id || '—'}</td><td><code>${e.pointer || '—'}</code></td><td title=${e.detail}>${reasonText(e)}</td></tr>`)}</tbody>
    </table>
    ${job.counts.rejected > errors.length ? html`<p class="muted">${t('import.more_rejected', { shown: errors.length })}</p>` : null}
  </div>`;
}

function JobView({ job }) {
  const running = job.state === 'queued' || job.state === 'running';
  return html`<section class="panel import-job" data-job=${job.id} data-state=${job.state} aria-live="polite">
    <h2>${t(`import.kind.${job.kind}`)} · <span class=${`badge import-state-${job.state}`}>${t(`import.state.${job.state}`)}</span></h2>
    <p class="muted">${t('import.job_line', { id: job.id, who: job.created_by, time: dateTime(job.created_at) })}</p>
    ${running
      ? html`<p role="status">${t('import.applying', { percent: Math.floor(job.progress.fraction * 100) })}
          <progress max="1" value=${job.progress.fraction}></progress></p>`
      : null}
    <${Counts} job=${job} />
    ${job.failure ? html`<div class="notice notice-error" role="alert"><p>${t('import.failed', { why: job.failure })}</p></div>` : null}
    <${RejectedLines} job=${job} />
  </section>`;
}

export function ImportsPage() {
  const [kind, setKind] = useState('customers');
  const [progress, setProgress] = useState(null);
  const [refused, setRefused] = useState(null);
  const [jobId, setJobId] = useState(null);
  const [job, setJob] = useState(null);
  const [jobs, setJobs] = useState(null);
  const [error, setError] = useState(null);
  const input = useRef(null);

  async function loadJobs() {
    try {
      setJobs((await get('/v1/imports?page_size=20')).data.imports);
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }
  useEffect(() => {
    loadJobs();
  }, []);

  // Follows the chosen job until it ends.
  useEffect(() => {
    if (!jobId) return undefined;
    let timer = null;
    let stopped = false;
    const follow = async () => {
      try {
        const current = (await get(`/v1/imports/${encodeURIComponent(jobId)}`)).data;
        if (stopped) return;
        setJob(current);
        if (current.state === 'queued' || current.state === 'running') {
          timer = setTimeout(follow, kFollowEveryMs);
        } else {
          loadJobs();
        }
      } catch (caught) {
        if (!stopped) setError(caught);
      }
    };
    follow();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [jobId]);

  async function send(event) {
    event.preventDefault();
    const file = input.current && input.current.files && input.current.files[0];
    if (!file) return;
    setRefused(null);
    setProgress({ name: file.name, percent: 0 });
    const answer = await uploadBody(`/v1/imports/${kind}`, file, 'application/x-ndjson',
      (percent) => setProgress({ name: file.name, percent }));
    setProgress(null);
    if (answer.status === 202) {
      input.current.value = '';
      setJob(answer.body);
      setJobId(answer.body.id);
      return;
    }
    const key = `problem.${answer.body.code}`;
    const said = answer.status === 413 ? t('import.too_large') : t(key) === key ? (answer.body.detail || String(answer.status)) : t(key);
    setRefused(t('import.refused', { name: file.name, why: said }));
  }

  return html`<section class="imports-page">
    <h1 tabindex="-1">${t('import.title')}</h1>
    <p class="muted">${t('import.intro')}</p>
    <form class="panel import-form" onSubmit=${send}>
      <fieldset>
        <legend>${t('import.what')}</legend>
        ${kKinds.map((k) => html`<label key=${k} class="inline"><input type="radio" name="import-kind" value=${k}
          checked=${kind === k} onChange=${() => setKind(k)} /> ${t(`import.kind.${k}`)}</label>`)}
      </fieldset>
      <label for="import-file">${t('import.file')}</label>
      <input id="import-file" type="file" accept=".jsonl,.ndjson,application/x-ndjson" ref=${input} disabled=${progress !== null} />
      <p class="muted">${t('import.file_hint')}</p>
      <button type="submit" class="primary" disabled=${progress !== null}>${t('import.send')}</button>
      ${progress
        ? html`<p role="status">${t('import.uploading', progress)} <progress max="100" value=${progress.percent}></progress></p>`
        : null}
      ${refused ? html`<div class="notice notice-error import-refused" role="alert"><p>${refused}</p></div>` : null}
    </form>
    ${job ? html`<${JobView} job=${job} />` : null}
    <${ProblemNotice} error=${error} onRetry=${loadJobs} />
    <section class="panel import-history">
      <h2>${t('import.recent')}</h2>
      ${jobs === null ? html`<${Loading} />` : null}
      ${jobs && !jobs.length ? html`<p class="muted">${t('import.none')}</p>` : null}
      ${jobs && jobs.length
        ? html`<table><thead><tr><th>${t('import.when')}</th><th>${t('import.what')}</th><th>${t('import.state')}</th>
            <th>${t('import.count.lines')}</th><th>${t('import.count.rejected')}</th><th>${t('import.by')}</th></tr></thead>
            <tbody>${jobs.map((j) => html`<tr key=${j.id} data-job=${j.id}>
              <td><button type="button" class="link" onClick=${() => { setJob(j); setJobId(j.id); }}>${dateTime(j.created_at)}</button></td>
              <td>${t(`import.kind.${j.kind}`)}</td><td>${t(`import.state.${j.state}`)}</td>
              <td>${j.counts.lines.toLocaleString()}</td><td>${j.counts.rejected.toLocaleString()}</td><td>${j.created_by}</td></tr>`)}</tbody></table>`
        : null}
    </section>
  </section>`;
}
