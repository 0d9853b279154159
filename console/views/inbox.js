// The inbox: the appeals list (filters with counts, search, unread counts) beside the open
// conversation, kept live by polling "what changed" every few seconds (nothing is sent back when
// nothing changed). A client's new message is announced by the tab's title, a tone and a desktop
// notification; the keyboard moves between appeals (the "?" key lists the shortcuts).

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, describe, has, onFeaturesChanged, probeFeatures } from "../api.js";
import { ChannelIcon } from "../channels.js";
import { Dialog } from "../dialog.js";
import { html } from "../html.js";
import { t, when } from "../i18n.js";
import {
  askForNotifications,
  chime,
  desktopNotice,
  dismissNotificationPrompt,
  setSound,
  shouldAskForNotifications,
  soundOn,
} from "../notify.js";
import { holderText, useColleagues } from "../people.js";
import { Conversation } from "./conversation.js";

const POLL_MS = 3000;
// The API's default status is the open appeals (new and in progress).
const FILTERS = {
  open: {},
  new: { status: "new" },
  mine: { assigned: "me" },
  unassigned: { assigned: "unassigned" },
  all: { status: "all" },
};
// How many open appeals each chip counts, from one list of the open appeals.
const COUNTS = {
  open: () => true,
  new: (a) => a.status === "new",
  mine: (a, me) => a.assigned_operator_id === me.id,
  unassigned: (a) => !a.assigned_operator_id,
};
const SUMMARY_LIMIT = 100;

const filterKey = (me) => `batterycrm.console.filter.${me.id}`;

function savedFilter(me) {
  const saved = localStorage.getItem(filterKey(me));
  return Object.hasOwn(FILTERS, saved) ? saved : "open";
}

/** Polls the changes endpoint once `started`; calls `onChange(ids)` when appeals changed, and
 * `onChange(null)` (anything may have changed) once the cursor is set: what changed before the
 * server gave a cursor is never lost. Falls back to a slower full refresh when the server has no
 * changes endpoint. */
function useChanges(started, onChange) {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    if (!started) return undefined;
    let stopped = false;
    let cursor = null;
    let etag = null;
    let timer = null;
    const tick = async () => {
      try {
        if (!has("changes")) {
          latest.current(null);
        } else {
          const answer = await api.changes(cursor, etag);
          if (!answer.notModified) {
            const first = !cursor;
            if (!first && answer.appeal_ids.length) latest.current(answer.appeal_ids);
            cursor = answer.cursor;
            etag = answer.etag;
            if (first) latest.current(null);
          }
        }
      } catch (err) {
        // offline or the session ended (the shell handles that): try again next time;
        // a cursor the server no longer accepts is dropped
        if (err.status === 400) cursor = etag = null;
      }
      if (!stopped) timer = setTimeout(tick, has("changes") ? POLL_MS : POLL_MS * 3);
    };
    tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [started]);
}

/** The open appeals (for the chips' counts, the title's unread count and the announcements), and
 * a function to load them again. What grew since the previous look is announced. */
function useOpenAppeals(me, appealId) {
  const [open, setOpen] = useState({ appeals: [], more: false, news: "" });
  const seen = useRef(null);
  const current = useRef(appealId);
  current.current = appealId;

  const load = useCallback(async () => {
    let answer;
    try {
      answer = await api.appeals({ sort: "activity", limit: SUMMARY_LIMIT });
    } catch {
      return; // the list shows the error
    }
    const before = seen.current;
    seen.current = new Map(answer.appeals.map((a) => [a.id, a]));
    const fresh = !before // the first look announces nothing
      ? []
      : answer.appeals.filter((a) => {
          const old = before.get(a.id);
          const watching = a.id === current.current && !document.hidden;
          return !watching && (a.unread_count || 0) > 0 && (!old || (a.unread_count || 0) > (old.unread_count || 0));
        });
    setOpen({ appeals: answer.appeals, more: Boolean(answer.next_cursor), news: fresh.length ? t("new_activity", fresh.length) : "" });
    if (!fresh.length) return;
    chime();
    for (const a of fresh.slice(0, 3)) {
      desktopNotice(clientName(a), a.last_message_preview ?? a.preview, a.id, () => {
        location.hash = `#/appeals/${a.id}`;
      });
    }
  }, []);

  return [open, load];
}

function clientName(appeal) {
  return appeal.client.name || appeal.client.phone || t("no_name");
}

function typing(target) {
  return target instanceof Element && Boolean(target.closest("input, textarea, select, [contenteditable], dialog"));
}

export function Inbox({ appealId, me }) {
  const [filter, setFilterState] = useState(() => savedFilter(me));
  const [q, setQ] = useState("");
  const [page, setPage] = useState({ appeals: [], next: null, loaded: false });
  const [error, setError] = useState(null);
  const [changed, setChanged] = useState({ ids: [], at: 0 });
  const [, setFeatures] = useState(0);
  const [sound, setSoundState] = useState(soundOn);
  const [askNotify, setAskNotify] = useState(shouldAskForNotifications);
  const [help, setHelp] = useState(false);
  const [open, loadOpen] = useOpenAppeals(me, appealId);
  const colleagues = useColleagues(me);
  const query = useRef({});
  const search = useRef(null);
  const list = useRef(null);

  useEffect(() => onFeaturesChanged(() => setFeatures((n) => n + 1)), []);
  // The list first (what the operator waits for), then the rest: features, the poll (whose cursor
  // brings the counts and the list again, so nothing that changed meanwhile is missed).
  const started = page.loaded || Boolean(error);
  useEffect(() => {
    if (started) probeFeatures();
  }, [started]);

  const setFilter = (name) => {
    localStorage.setItem(filterKey(me), name);
    setFilterState(name);
  };

  const load = useCallback(async (more = false) => {
    const params = { ...FILTERS[filter], sort: "activity", limit: 50 };
    if (q.trim().length >= 2) params.q = q.trim();
    if (more) params.cursor = page.next;
    query.current = params;
    try {
      const answer = await api.appeals(params);
      if (query.current !== params) return; // a newer request is on its way
      setPage((old) => ({
        appeals: more ? [...old.appeals, ...answer.appeals] : answer.appeals,
        next: answer.next_cursor,
        loaded: true,
      }));
      setError(null);
    } catch (err) {
      setError(describe(err));
    }
  }, [filter, q, page.next]);

  useEffect(() => {
    const timer = setTimeout(() => load(false), q ? 250 : 0);
    return () => clearTimeout(timer);
  }, [filter, q]);

  const refresh = () => {
    load(false);
    loadOpen();
  };

  useChanges(started, (ids) => {
    refresh();
    const touched = ids || (appealId ? [appealId] : []);
    if (touched.length) setChanged({ ids: touched, at: Date.now() });
  });

  const unread = open.appeals.reduce((sum, a) => sum + (a.unread_count || 0), 0);
  useEffect(() => {
    document.title = `${unread ? `(${unread}) ` : ""}${t("app_name")} — ${me.name}`;
  }, [unread]);

  // j/k (or the arrows on the list) move between appeals, "/" searches, "r" answers, "?" helps.
  const move = (step, focusList) => {
    const ids = page.appeals.map((a) => a.id);
    if (!ids.length) return;
    const at = ids.indexOf(appealId);
    const next = ids[at < 0 ? (step > 0 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, at + step))];
    location.hash = `#/appeals/${next}`;
    if (focusList) {
      const link = list.current && list.current.querySelector(`a[href="#/appeals/${next}"]`);
      if (link) link.focus();
    }
  };
  const keys = useRef(null);
  keys.current = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const inList = list.current && list.current.contains(event.target);
    // letters by their place on the keyboard too, so that they work with a Russian layout on
    const letter = (name) => event.key === name || event.code === `Key${name.toUpperCase()}`;
    const reply = document.getElementById("reply-text");
    if (event.key === "?") setHelp(true);
    else if (letter("j") || (inList && event.key === "ArrowDown")) move(1, inList);
    else if (letter("k") || (inList && event.key === "ArrowUp")) move(-1, inList);
    else if (event.key === "/" || (event.code === "Slash" && !event.shiftKey)) search.current.focus();
    else if (letter("r") && reply) reply.focus();
    else return;
    event.preventDefault();
  };
  useEffect(() => {
    const listener = (event) => keys.current(event);
    document.addEventListener("keydown", listener);
    return () => document.removeEventListener("keydown", listener);
  }, []);

  const counts = Object.fromEntries(
    Object.entries(COUNTS).map(([name, test]) => [name, open.appeals.filter((a) => test(a, me)).length]),
  );

  return html`
    <main class=${appealId ? "inbox has-open" : "inbox"}>
      <section class="list-pane" aria-labelledby="appeals-heading">
        <div class="pane-head">
          <h1 id="appeals-heading" class="pane-title">${t("appeals")}</h1>
          <button
            type="button"
            class="quiet small"
            aria-pressed=${sound ? "true" : "false"}
            onClick=${() => {
              setSound(!sound);
              setSoundState(!sound);
            }}
          >
            ${t("sound")}
          </button>
          <button type="button" class="quiet small" title=${t("shortcuts")} onClick=${() => setHelp(true)}>
            <span aria-hidden="true">?</span><span class="visually-hidden">${t("shortcuts")}</span>
          </button>
        </div>
        ${askNotify &&
        html`<div class="notice" role="region" aria-label=${t("notifications")}>
          <p>${t("notifications_ask")}</p>
          <button
            type="button"
            onClick=${async () => {
              await askForNotifications();
              setAskNotify(false);
            }}
          >
            ${t("notifications_on")}
          </button>
          <button
            type="button"
            class="quiet"
            onClick=${() => {
              dismissNotificationPrompt();
              setAskNotify(false);
            }}
          >
            ${t("not_now")}
          </button>
        </div>`}
        <div class="filters" role="group" aria-label=${t("filters")}>
          ${Object.keys(FILTERS).map(
            (name) => html`<button
              type="button"
              class="chip"
              aria-pressed=${filter === name ? "true" : "false"}
              onClick=${() => setFilter(name)}
            >
              ${t(`filter_${name}`)}
              ${name in counts &&
              html` <span class="count">${counts[name]}${open.more && name === "open" ? "+" : ""}</span>`}
            </button>`,
          )}
        </div>
        <label class="search">
          <span class="visually-hidden">${t("search")}</span>
          <input
            type="search"
            ref=${search}
            placeholder=${t("search_hint")}
            value=${q}
            onInput=${(e) => setQ(e.currentTarget.value)}
          />
        </label>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <p class="visually-hidden" aria-live="polite">${open.news}</p>
        <ul class="appeals" aria-label=${t("appeals")} ref=${list}>
          ${page.appeals.map(
            (appeal) => html`<${AppealItem} key=${appeal.id} appeal=${appeal} me=${me} colleagues=${colleagues} open=${appeal.id === appealId} />`,
          )}
        </ul>
        ${page.loaded && !page.appeals.length && html`<p class="empty">${t("no_appeals")}</p>`}
        ${page.next && html`<button type="button" class="quiet" onClick=${() => load(true)}>${t("load_more")}</button>`}
      </section>
      ${appealId
        ? html`<${Conversation}
            key=${appealId}
            appealId=${appealId}
            me=${me}
            colleagues=${colleagues}
            changed=${changed}
            onChanged=${refresh}
          />`
        : html`<section class="conversation-pane placeholder"><p>${t("pick_appeal")}</p></section>`}
      ${help && html`<${Shortcuts} onClose=${() => setHelp(false)} />`}
    </main>
  `;
}

const SHORTCUTS = [
  ["j / ↓", "key_next"],
  ["k / ↑", "key_previous"],
  ["/", "key_search"],
  ["r", "key_reply"],
  ["Ctrl+Enter", "key_send"],
  ["/ …", "key_quick_reply"],
  ["Esc", "key_close"],
  ["?", "key_help"],
];

function Shortcuts({ onClose }) {
  return html`<${Dialog} title=${t("shortcuts")} onClose=${onClose}>
    <dl class="keys">
      ${SHORTCUTS.map(([keys, what]) => html`<dt><kbd>${keys}</kbd></dt><dd>${t(what)}</dd>`)}
    </dl>
    <button type="button" onClick=${onClose}>${t("close_dialog")}</button>
  <//>`;
}

function AppealItem({ appeal, me, colleagues, open }) {
  const preview = appeal.last_message_preview ?? appeal.preview;
  const holder = holderText(appeal, me, colleagues);
  const unread = appeal.unread_count || 0;
  return html`
    <li class=${open ? "appeal open" : "appeal"}>
      <a href=${`#/appeals/${appeal.id}`} aria-current=${open ? "true" : undefined}>
        <span class="line">
          <span class="name-line"><${ChannelIcon} channel=${appeal.channel} /> <strong class="name">${clientName(appeal)}</strong></span>
          <time datetime=${appeal.last_message_at || appeal.created_at}>${when(appeal.last_message_at || appeal.created_at)}</time>
        </span>
        <span class="preview">${preview}</span>
        <span class="line meta">
          <span class=${`status status-${appeal.status}`}>${t(`status_${appeal.status}`)}</span>
          ${holder && html`<span class="holder">${holder}</span>`}
          ${unread > 0 && html`<span class="unread">${t("unread", unread)}</span>`}
        </span>
      </a>
    </li>
  `;
}
