// The inbox: the appeals list (filters, search, unread counts) beside the open conversation, kept
// live by polling "what changed" every few seconds (nothing is sent back when nothing changed).

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, describe, has, onFeaturesChanged, probeFeatures } from "../api.js";
import { html } from "../html.js";
import { t, when } from "../i18n.js";
import { Conversation } from "./conversation.js";

const POLL_MS = 3000;
const FILTERS = {
  new: { status: "new" },
  mine: { assigned: "me" },
  unassigned: { assigned: "unassigned" },
  all: { status: "all" },
};

/** Polls the changes endpoint; calls `onChange(ids)` when appeals changed. Falls back to a slower
 * full refresh when the server has no changes endpoint. */
function useChanges(onChange) {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
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
            if (cursor && answer.appeal_ids.length) latest.current(answer.appeal_ids);
            cursor = answer.cursor;
            etag = answer.etag;
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
  }, []);
}

export function Inbox({ appealId, me }) {
  const [filter, setFilter] = useState("all");
  const [q, setQ] = useState("");
  const [page, setPage] = useState({ appeals: [], next: null, loaded: false });
  const [error, setError] = useState(null);
  const [changed, setChanged] = useState({ ids: [], at: 0 });
  const [, setFeatures] = useState(0);
  const query = useRef({});

  useEffect(() => onFeaturesChanged(() => setFeatures((n) => n + 1)), []);
  useEffect(() => {
    probeFeatures();
  }, []);

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

  useChanges((ids) => {
    load(false);
    if (ids) setChanged({ ids, at: Date.now() });
  });

  return html`
    <main class=${appealId ? "inbox has-open" : "inbox"}>
      <section class="list-pane" aria-labelledby="appeals-heading">
        <h1 id="appeals-heading" class="pane-title">${t("appeals")}</h1>
        <div class="filters" role="group" aria-label=${t("filters")}>
          ${Object.keys(FILTERS).map(
            (name) => html`<button
              type="button"
              class="chip"
              aria-pressed=${filter === name ? "true" : "false"}
              onClick=${() => setFilter(name)}
            >
              ${t(`filter_${name}`)}
            </button>`,
          )}
        </div>
        <label class="search">
          <span class="visually-hidden">${t("search")}</span>
          <input type="search" placeholder=${t("search")} value=${q} onInput=${(e) => setQ(e.currentTarget.value)} />
        </label>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <ul class="appeals" aria-label=${t("appeals")}>
          ${page.appeals.map((appeal) => html`<${AppealItem} appeal=${appeal} me=${me} open=${appeal.id === appealId} />`)}
        </ul>
        ${page.loaded && !page.appeals.length && html`<p class="empty">${t("no_appeals")}</p>`}
        ${page.next && html`<button type="button" class="quiet" onClick=${() => load(true)}>${t("load_more")}</button>`}
      </section>
      ${appealId
        ? html`<${Conversation} key=${appealId} appealId=${appealId} me=${me} changed=${changed} onChanged=${() => load(false)} />`
        : html`<section class="conversation-pane placeholder"><p>${t("pick_appeal")}</p></section>`}
    </main>
  `;
}

function AppealItem({ appeal, me, open }) {
  const name = appeal.client.name || appeal.client.phone || t("no_name");
  const preview = appeal.last_message_preview ?? appeal.preview;
  const holder = appeal.assigned_operator_id
    ? appeal.assigned_operator_id === me.id
      ? t("held_by_me")
      : t("held_by_other")
    : null;
  const unread = appeal.unread_count || 0;
  return html`
    <li class=${open ? "appeal open" : "appeal"}>
      <a href=${`#/appeals/${appeal.id}`} aria-current=${open ? "true" : undefined}>
        <span class="line">
          <strong class="name">${name}</strong>
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
