// Sign in by pasting an API token; the console keeps only the session it is exchanged for.
import { html, useState } from '../html.js';
import { t } from '../i18n/index.js';
import { LanguageSwitch, signIn } from '../app.js';
import { Notice, ProblemNotice } from '../components/ui.js';

export function SignInPage({ reason }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(token.trim());
      setToken('');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return html`<main class="signin" id="main">
    <div class="signin-card">
      <${LanguageSwitch} />
      <p class="brand-large"><img src="/assets/favicon.svg" alt="" width="40" height="40" /> ${t('app.name')}
        <span class="tagline">${t('app.tagline')}</span></p>
      <h1 tabindex="-1">${t('signin.title')}</h1>
      ${reason === 'expired' ? html`<${Notice} kind="warning">${t('signin.expired')}<//>` : null}
      ${reason === 'signed-out' ? html`<${Notice}>${t('signin.signed_out')}<//>` : null}
      <p>${t('signin.intro')}</p>
      <form onSubmit=${submit}>
        <div class="field">
          <label for="signin-token">${t('signin.token')}</label>
          <input id="signin-token" name="token" type="password" autocomplete="off" spellcheck="false" required
            aria-describedby="signin-token-hint" value=${token} onInput=${(e) => setToken(e.target.value)} />
          <p class="hint" id="signin-token-hint">${t('signin.token_hint')}</p>
        </div>
        <${ProblemNotice} error=${error} />
        <button type="submit" class="primary" disabled=${busy || !token.trim()}>
          ${busy ? t('signin.signing_in') : t('signin.submit')}</button>
      </form>
    </div>
  </main>`;
}
