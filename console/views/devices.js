// Devices: the operator's live sessions (type, model, activity, push), signing others out, and
// changing the password (which signs every other session out).

import { useEffect, useState } from "preact/hooks";
import { api, describe } from "../api.js";
import { html } from "../html.js";
import { t, when } from "../i18n.js";

export function Devices() {
  const [sessions, setSessions] = useState(null);
  const [error, setError] = useState(null);
  const [status, setStatus] = useState("");

  const load = async () => {
    try {
      setSessions((await api.sessions()).sessions);
    } catch (err) {
      setError(describe(err));
    }
  };
  useEffect(() => {
    load();
  }, []);

  const run = async (work, done) => {
    setError(null);
    setStatus("");
    try {
      const answer = await work();
      setStatus(done(answer));
    } catch (err) {
      setError(describe(err));
    }
    await load();
  };

  const others = (sessions || []).filter((s) => !s.current);
  return html`
    <main class="devices">
      <h1>${t("devices")}</h1>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <p role="status" class="status-line">${status}</p>
      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">${t("sessions")}</h2>
        ${sessions === null
          ? html`<p>${t("loading")}</p>`
          : html`<ul class="sessions" aria-labelledby="sessions-heading">
              ${sessions.map((s) => html`<${SessionItem} session=${s} revoke=${() => run(() => api.revoke(s.id), () => t("signed_out_count", 1))} />`)}
            </ul>`}
        ${others.length > 0 &&
        html`<button type="button" class="danger" onClick=${() => run(api.revokeOthers, (a) => t("signed_out_count", a.revoked))}>
          ${t("sign_out_others")}
        </button>`}
      </section>
      <${PasswordForm} onDone=${() => run(async () => ({}), () => t("password_changed"))} />
    </main>
  `;
}

function SessionItem({ session: s, revoke }) {
  const info = s.device_info || {};
  const model = [info.manufacturer, info.device_model].filter(Boolean).join(" ");
  const kind = t(s.device_type === "mobile" ? "device_mobile" : "device_desktop");
  return html`
    <li class="session" aria-label=${model ? `${kind}: ${model}` : kind}>
      <strong>${kind}</strong>${model && html` — ${model}`}
      ${s.current && html` <span class="badge">${t("this_device")}</span>`}
      <dl>
        <dt>${t("last_active")}</dt><dd><time datetime=${s.last_active_at}>${when(s.last_active_at)}</time></dd>
        <dt>${t("signed_in_at")}</dt><dd><time datetime=${s.created_at}>${when(s.created_at)}</time></dd>
        <dd class="push">${s.has_push ? t("push_on") : t("push_off")}</dd>
      </dl>
      ${!s.current && html`<button type="button" onClick=${revoke}>${t("sign_out")}</button>`}
    </li>
  `;
}

function PasswordForm({ onDone }) {
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setError(null);
    try {
      await api.changePassword(String(form.get("current")), String(form.get("next")));
      formElement.reset();
      onDone();
    } catch (err) {
      setError(describe(err));
    }
  };
  return html`
    <section aria-labelledby="password-heading">
      <h2 id="password-heading">${t("change_password")}</h2>
      <form class="grid" onSubmit=${submit}>
        <label for="pw-current">${t("current_password")}</label>
        <input id="pw-current" name="current" type="password" autocomplete="current-password" required />
        <label for="pw-next">${t("new_password")}</label>
        <input id="pw-next" name="next" type="password" autocomplete="new-password" minlength="10" required aria-describedby="pw-hint" />
        <p id="pw-hint" class="hint">${t("password_hint")}</p>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button type="submit">${t("change_password")}</button>
      </form>
    </section>
  `;
}
