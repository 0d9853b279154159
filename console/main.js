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

// Every view with a link in the top bar: `#/<path>` shows it. `show` says who gets the link (and
// the view); the first one is where `#/` and unknown paths land.
const VIEWS = [
  { path: "", label: "inbox", show: () => true, render: (props) => html`<${Inbox} ...${props} />` },
  { path: "devices", label: "devices", show: () => true, render: () => html`<${Devices} />` },
];

function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const appeal = hash.match(/^appeals\/([0-9a-f-]{36})$/i);
  if (appeal) return { path: "", appealId: appeal[1] };
  return { path: hash, appealId: null };
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

  if (!session) {
    document.title = t("app_name");
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

  const me = session.operator;
  const views = VIEWS.filter((v) => v.show(me));
  const current = views.find((v) => v.path === where.path) || views[0];
  if (current !== views[0]) document.title = `${t(current.label)} — ${t("app_name")}`;

  return html`
    <header class="top">
      <span class="brand">${t("app_name")}</span>
      <nav aria-label=${t("main_nav")}>
        ${views.map(
          (v) => html`<a href=${`#/${v.path}`} aria-current=${v === current ? "page" : undefined}>${t(v.label)}</a>`,
        )}
      </nav>
      <span class="who">${me.name}</span>
      <button type="button" class="quiet" onClick=${logOut}>${t("log_out")}</button>
    </header>
    ${current.render({ appealId: where.appealId, me })}
  `;
}

render(html`<${App} />`, document.getElementById("app"));
