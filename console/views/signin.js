// Sign-in: a plain form (the browser does submit-on-Enter and password managers), the desktop login.

import { useState } from "preact/hooks";
import { describe, signIn } from "../api.js";
import { html } from "../html.js";
import { t } from "../i18n.js";

export function SignIn({ notice, onSignedIn }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(String(form.get("login")).trim(), String(form.get("password"))));
    } catch (err) {
      setError(describe(err));
      setBusy(false);
    }
  };

  return html`
    <main class="signin">
      <h1>${t("sign_in_title")}</h1>
      ${notice && html`<p class="notice" role="alert">${notice}</p>`}
      <form onSubmit=${submit}>
        <label for="login">${t("login")}</label>
        <input id="login" name="login" autocomplete="username" required autofocus />
        <label for="password">${t("password")}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button type="submit" disabled=${busy}>${busy ? t("signing_in") : t("sign_in")}</button>
      </form>
    </main>
  `;
}
