// The case page's evidence (凭证): photos, chat screenshots and PDF invoices attached to the case.
// Files are uploaded as the raw request body with their type (progress shown; a refused type or
// size explained in the viewer's language) and fetched with the session's Authorization header
// into blob: URLs, so no token ever appears in a URL. Thumbnails are made by the server.
import { get, uploadBody } from '../api.js';
import { html, useEffect, useRef, useState } from '../html.js';
import { dateTime, t } from '../i18n/index.js';
import { fieldProblemText } from './fields.js';
import { Notice, ProblemNotice } from './ui.js';
import { isLadder } from '../app.js';

const kAccept = 'image/jpeg,image/png,image/webp,application/pdf';

function sizeText(bytes) {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

// A blob: URL for an API path read with the session's token; revoked when the row goes away.
function useBlobUrl(path) {
  const [url, setUrl] = useState(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!path) return undefined;
    let current = null;
    let cancelled = false;
    get(path, { raw: true, accept: '*/*' })
      .then((answer) => {
        if (cancelled) return;
        current = URL.createObjectURL(answer.blob);
        setUrl(current);
      })
      .catch(() => !cancelled && setFailed(true));
    return () => {
      cancelled = true;
      if (current) URL.revokeObjectURL(current);
    };
  }, [path]);
  return { url, failed };
}

// Fetches the file and hands it to the browser: opened in a new tab, or saved under its name.
async function openContent(attachment, download) {
  const answer = await get(attachment.content_url, { raw: true, accept: '*/*' });
  const url = URL.createObjectURL(answer.blob);
  const link = document.createElement('a');
  link.href = url;
  link.rel = 'noopener';
  if (download) link.download = attachment.file_name;
  else link.target = '_blank';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function EvidenceRow({ attachment }) {
  const { url, failed } = useBlobUrl(attachment.thumbnail_url);
  const [error, setError] = useState(null);
  const open = (download) => openContent(attachment, download).catch(setError);
  return html`<li class="evidence-item" data-attachment=${attachment.id} data-type=${attachment.content_type}>
    <div class="evidence-thumb">
      ${attachment.thumbnail_url
        ? url
          ? html`<img src=${url} alt=${attachment.file_name} class="evidence-thumbnail" />`
          : failed ? html`<span class="muted">${t('evidence.preview_failed')}</span>` : null
        : html`<span class="evidence-doc">${t('evidence.pdf')}</span>`}
    </div>
    <div class="evidence-meta">
      <strong class="evidence-name">${attachment.file_name}</strong>
      <span class="muted">${sizeText(attachment.size)} · ${t('evidence.by', { who: attachment.uploaded_by, time: dateTime(attachment.uploaded_at) })}</span>
      <span class="evidence-actions">
        <button type="button" class="small" onClick=${() => open(false)}>${t('evidence.open')}</button>
        <button type="button" class="small" onClick=${() => open(true)}>${t('evidence.download')}</button>
      </span>
      <${ProblemNotice} error=${error} />
    </div>
  </li>`;
}

// Uploads `file` as the raw body, named in the query.
function uploadFile(caseId, file, onProgress) {
  return uploadBody(`/v1/cases/${encodeURIComponent(caseId)}/attachments?filename=${encodeURIComponent(file.name)}`,
    file, file.type || 'application/octet-stream', onProgress);
}

// Why an upload was refused, in the viewer's words.
function refusalText(status, body) {
  if (status === 413) return t('evidence.too_large');
  const first = (body.errors || [])[0];
  if (first) return fieldProblemText(first).text;
  const key = `problem.${body.code}`;
  const text = t(key);
  return text === key ? t('error.unknown', { code: body.code || status }) : text;
}

export function EvidencePanel({ caseView }) {
  const { id, me, data } = caseView;
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [progress, setProgress] = useState(null);
  const [outcome, setOutcome] = useState(null);
  const input = useRef(null);
  const mayAttach = isLadder(me.role) || me.role === 'admin';

  async function load() {
    try {
      const answer = await get(`/v1/cases/${encodeURIComponent(id)}/attachments`);
      setItems(answer.data.attachments);
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }

  // The list follows the case: an attachment by someone else arrives as a new case version.
  useEffect(() => {
    load();
  }, [id, data.version]);

  async function attach(event) {
    const file = event.target.files && event.target.files[0];
    if (!file) return;
    setOutcome(null);
    setProgress({ name: file.name, percent: 0 });
    const answer = await uploadFile(id, file, (percent) => setProgress({ name: file.name, percent }));
    setProgress(null);
    if (input.current) input.current.value = '';
    if (answer.status === 201 || answer.status === 200) {
      setOutcome({ kind: 'success', text: t(answer.status === 200 ? 'evidence.already' : 'evidence.attached', { name: answer.body.file_name || file.name }) });
      await load();
      caseView.reload();
    } else {
      setOutcome({ kind: 'error', text: `${t('evidence.refused', { name: file.name })} ${refusalText(answer.status, answer.body)}` });
    }
  }

  return html`<section class="panel evidence-panel" aria-labelledby="evidence-heading">
    <h2 id="evidence-heading">${t('evidence.title')}</h2>
    ${mayAttach
      ? html`<div class="evidence-upload">
          <label for="evidence-file">${t('evidence.choose')}</label>
          <input id="evidence-file" type="file" accept=${kAccept} ref=${input} onChange=${attach} disabled=${progress !== null} />
          <p class="muted">${t('evidence.hint')}</p>
          ${progress
            ? html`<p class="evidence-progress" role="status">${t('evidence.uploading', progress)}
                <progress max="100" value=${progress.percent}></progress></p>`
            : null}
        </div>`
      : null}
    ${outcome
      ? outcome.kind === 'error'
        ? html`<div class="notice notice-error evidence-refused" role="alert"><p>${outcome.text}</p></div>`
        : html`<${Notice} kind="success">${outcome.text}<//>`
      : null}
    <${ProblemNotice} error=${error} onRetry=${load} />
    ${items && items.length === 0 ? html`<p class="muted">${t('evidence.empty')}</p>` : null}
    ${items && items.length
      ? html`<ul class="evidence-list">${items.map((a) => html`<${EvidenceRow} key=${a.id} attachment=${a} />`)}</ul>`
      : null}
  </section>`;
}
