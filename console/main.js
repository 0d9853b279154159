// The console's shell: who is signed in, which view shows (from the URL's hash), and the message
// that says why a session ended elsewhere.

import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { onSessionEnded, savedSession, signOut } from "./api.js";
import { html } from "./html.js";
import { t } from "./i18n.js";
import { SignIn } from "./views/signin.js";
import { Inbox } from "./views/inbox.js";
import { Devices } from "./views/devices.js";
import { Reports } from "./views/reports.js";

function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  if (hash === "devices") return { view: "devices" };
  if (hash === "reports") return { view: "reports" };
  const appeal = hash.match(/^appeals\/([0-9a-f-]{36})$/i);
  return { view: "inbox", appealId: appeal ? appeal[1] : null };
}

function App() {
  const [session, setSession] = useState(savedSession);
  const [ended, setEnded] = useState(null);
  const [where, setWhere] = useState(route);

  useEffect(() => {
    onSessionEnded((reason) => {
      setSession(null);
      setEnded(reason);
    });
    const follow = () => setWhere(route());
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);

  useEffect(() => {
    document.title = session ? `${t("app_name")} — ${session.operator.name}` : t("app_name");
  }, [session]);

  if (!session) {
    return html`<${SignIn}
      notice=${ended && t(`ended_${ended}`)}
      onSignedIn=${(s) => {
        setEnded(null);
        setSession(s);
      }}
    />`;
  }

  const logOut = async () => {
    try {
      await signOut();
    } catch {
      // the token is forgotten either way
    }
    setSession(null);
  };

  return html`
    <header class="top">
      <span class="brand">${t("app_name")}</span>
      <nav aria-label=${t("main_nav")}>
        <a href="#/" aria-current=${where.view === "inbox" ? "page" : undefined}>${t("inbox")}</a>
        <a href="#/devices" aria-current=${where.view === "devices" ? "page" : undefined}>${t("devices")}</a>
        ${session.operator.role === "owner" &&
        html`<a href="#/reports" aria-current=${where.view === "reports" ? "page" : undefined}>${t("reports")}</a>`}
      </nav>
      <span class="who">${session.operator.name}</span>
      <button type="button" class="quiet" onClick=${logOut}>${t("log_out")}</button>
    </header>
    ${where.view === "devices"
      ? html`<${Devices} />`
      : where.view === "reports" && session.operator.role === "owner"
        ? html`<${Reports} />`
        : html`<${Inbox} appealId=${where.appealId} me=${session.operator} />`}
  `;
}

render(html`<${App} />`, document.getElementById("app"));
