// One appeal: its messages (text, photos, files, voice, location, contact, notes), who wrote each,
// and what the operator may do with it right now. The thread takes the height; the tools (transfer,
// note, promo, client data, the client's other appeals) sit beside it. Actions the server does not
// offer (yet) are not shown.

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, describe, has, putFile } from "../api.js";
import { ChannelIcon, ChannelLimits, cannotSend, characters, length, textLimit } from "../channels.js";
import { Dialog } from "../dialog.js";
import { html } from "../html.js";
import { t, when } from "../i18n.js";
import { holderText, nameOf } from "../people.js";

const OPEN = new Set(["new", "in_progress"]);
const NEAR_BOTTOM_PX = 48;

/** Moves the focus once an answer has come back, unless the operator has meanwhile gone to the list
 * (moving through it with the arrows) or into a field, or (given ``since``, where the focus was when
 * the question went) anywhere else. Answers come back late and in any order (the first look at an
 * appeal may come after a refresh's); the focus taken from a field would take the keystrokes being
 * typed there, and taken from a button, the Enter or Space meant for it. */
function focusAfterAnswer(element, since = undefined) {
  const active = document.activeElement;
  const elsewhere = active instanceof Element && active.closest(".list-pane, input, textarea, select, [contenteditable]");
  const moved = since !== undefined && active !== since && active !== document.body && active !== null;
  if (element && !elsewhere && !moved) element.focus();
}

function useList(load, feature) {
  const [items, setItems] = useState([]);
  useEffect(() => {
    if (!has(feature)) return;
    load()
      .then(setItems)
      .catch(() => setItems([]));
  }, []);
  return items;
}

const isPhoto = (a) =>
  a.status === "ready" && a.url && (a.kind === "photo" || (a.kind === "sticker" && (a.mime_type || "").startsWith("image/")));

/** Sends answers and remembers the ones on their way or failed (with their idempotency key, so a
 * retry never sends twice). */
function useOutbox(appealId, afterSend) {
  const [outbox, setOutbox] = useState([]);
  const update = (key, change) => setOutbox((all) => all.map((item) => (item.key === key ? { ...item, ...change } : item)));

  const attempt = async (item) => {
    update(item.key, { state: "sending", error: null });
    try {
      const attachmentIds = [...item.attachmentIds];
      for (const file of item.files.slice(attachmentIds.length)) {
        const { upload } = await api.upload(file);
        await putFile(upload, file);
        attachmentIds.push(upload.id);
        update(item.key, { attachmentIds: [...attachmentIds] });
        item = { ...item, attachmentIds: [...attachmentIds] };
      }
      const body = { client_message_id: item.key };
      if (item.text.trim()) body.text = item.text;
      if (attachmentIds.length) body.attachment_ids = attachmentIds;
      await api.respond(appealId, body);
      await afterSend();
      setOutbox((all) => all.filter((other) => other.key !== item.key));
    } catch (err) {
      update(item.key, { state: "failed", error: describe(err) });
      await afterSend();
    }
  };

  const send = (text, files) => {
    const item = { key: crypto.randomUUID(), text, files, attachmentIds: [], state: "sending", error: null };
    setOutbox((all) => [...all, item]);
    attempt(item);
  };
  return [outbox, send, attempt];
}

export function Conversation({ appealId, me, colleagues, changed, onChanged }) {
  const [appeal, setAppeal] = useState(null);
  const [error, setError] = useState(null);
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(null); // "close" | "reject"
  const [viewing, setViewing] = useState(null); // the attachment id shown in the photo viewer
  const [newBelow, setNewBelow] = useState(false);
  const heading = useRef(null);
  const thread = useRef(null);
  const atBottom = useRef(true);
  const focusNext = useRef(null);
  const lastRead = useRef(null);

  const reload = async () => {
    try {
      const answer = await api.appeal(appealId);
      setAppeal(answer.appeal);
      setError(null);
    } catch (err) {
      setError(describe(err));
    }
  };

  const [outbox, send, retry] = useOutbox(appealId, async () => {
    await reload();
    onChanged();
  });

  useEffect(() => {
    const since = document.activeElement;
    reload().then(() => focusAfterAnswer(heading.current, since));
  }, [appealId]);

  useEffect(() => {
    if (changed.ids.includes(appealId)) reload();
  }, [changed.at]);

  // Read up to the newest message: when it is new, and once the server turns out to have read
  // marks (the feature probe may answer after the conversation opened).
  const newest = appeal && appeal.messages.length ? appeal.messages.at(-1).id : null;
  const marks = has("lifecycle");
  useEffect(() => {
    if (!marks || !newest || newest === lastRead.current) return;
    lastRead.current = newest;
    api
      .read(appealId)
      .then(onChanged) // the list's unread badge goes
      .catch(() => {});
  }, [newest, marks]);

  // The newest message in view: on open, and on every new one while the operator is at the bottom;
  // scrolled up to read, they get a "new messages" marker instead.
  const toBottom = () => {
    const box = thread.current;
    if (box) box.scrollTop = box.scrollHeight;
    atBottom.current = true;
    setNewBelow(false);
  };
  const count = appeal ? appeal.messages.length + outbox.length : 0;
  const shown = useRef(0);
  useEffect(() => {
    if (!count) return;
    if (!shown.current || atBottom.current) toBottom();
    else if (count > shown.current) setNewBelow(true);
    shown.current = count;
  }, [count]);
  useEffect(() => {
    if (outbox.length) toBottom(); // what the operator just sent
  }, [outbox.length]);

  // Focus where the operator goes next after an action (never the page's body).
  useEffect(() => {
    const target = focusNext.current;
    if (!target) return;
    focusNext.current = null;
    const element = target === "reply" ? document.getElementById("reply-text") : heading.current;
    focusAfterAnswer(element || heading.current);
  }, [appeal]);

  // A file still being fetched from Telegram: look again shortly (its status changes elsewhere).
  const pending = appeal && appeal.messages.some((m) => (m.attachments || []).some((a) => a.status === "pending"));
  useEffect(() => {
    if (!pending) return undefined;
    const timer = setTimeout(reload, 2000);
    return () => clearTimeout(timer);
  }, [appeal]);

  /** Runs an action; the appeal and the list are reloaded after it, whatever happened. */
  const act = async (work, { done, focus } = {}) => {
    setBusy(true);
    setError(null);
    setStatus("");
    try {
      await work();
      if (done) setStatus(done);
      focusNext.current = focus || null;
      return true;
    } catch (err) {
      setError(describe(err));
      focusNext.current = "heading";
      return false;
    } finally {
      setBusy(false);
      await reload();
      onChanged();
    }
  };

  if (!appeal) {
    return html`<section class="conversation-pane" aria-label=${t("conversation")}>
      <a class="back" href="#/">${t("back_to_appeals")}</a>
      ${error ? html`<p class="error" role="alert">${error}</p>` : html`<p>${t("loading")}</p>`}
    </section>`;
  }

  const open = OPEN.has(appeal.status);
  const mine = appeal.assigned_operator_id === me.id;
  const free = !appeal.assigned_operator_id;
  const canWork = open && (mine || free);
  const name = appeal.client.name || appeal.client.phone || t("no_name");
  const holder = holderText(appeal, me, colleagues);
  const photos = appeal.messages.flatMap((m) => (m.attachments || []).filter(isPhoto));
  const who = (id) => (id === me.id ? me.name : nameOf(colleagues, id));
  // An answer the channel refused is kept by the server as "not delivered": its retry shows there
  // rather than as a second bubble.
  const retries = new Map();
  const unsent = outbox.filter((item) => {
    const twin = appeal.messages.find(
      (m) => m.direction === "out" && m.delivery_status === "failed" && m.text === item.text && !retries.has(m.id),
    );
    if (twin) retries.set(twin.id, item);
    return !twin;
  });

  return html`
    <section class="conversation-pane" aria-label=${t("conversation")}>
      <div class="conversation-main">
        <a class="back" href="#/">${t("back_to_appeals")}</a>
        <header class="conversation-head">
          <div class="title-line">
            <h2 tabindex="-1" ref=${heading}><${ChannelIcon} channel=${appeal.channel} /> ${name}</h2>
            <div class="actions">
              ${open && free && html`<button type="button" disabled=${busy}
                onClick=${() => act(() => api.take(appealId), { focus: "reply" })}>${t("take")}</button>`}
              ${open && mine && has("lifecycle") && html`<button type="button" class="quiet" disabled=${busy}
                onClick=${() => act(() => api.release(appealId), { focus: "heading" })}>${t("release")}</button>`}
              ${canWork && has("lifecycle") && html`<button type="button" disabled=${busy}
                onClick=${() => setAsking("close")}>${t("close")}</button>`}
              ${canWork && html`<button type="button" class="danger" disabled=${busy}
                onClick=${() => setAsking("reject")}>${t("reject")}</button>`}
            </div>
          </div>
          <p class="meta">
            ${appeal.client.phone && html`<span>${appeal.client.phone}</span>`}
            <span class=${`status status-${appeal.status}`}>${t(`status_${appeal.status}`)}</span>
            ${holder && html`<span>${holder}</span>`}
          </p>
          <${ChannelLimits} channel=${appeal.channel} capabilities=${appeal.channel_capabilities} />
        </header>
        ${appeal.client.reachable === false && html`<p class="warning">${t("unreachable")}</p>`}
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <p class="visually-hidden" role="status">${status}</p>
        <div class="thread-box">
          <ol
            class="thread"
            aria-label=${t("messages")}
            ref=${thread}
            tabindex="0"
            onScroll=${(e) => {
              const box = e.currentTarget;
              atBottom.current = box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM_PX;
              if (atBottom.current) setNewBelow(false);
            }}
            onLoadCapture=${() => atBottom.current && toBottom()}
          >
            ${appeal.messages.map(
              (m) => html`<${Message}
                key=${m.id}
                message=${m}
                client=${name}
                who=${who}
                onView=${setViewing}
                retry=${retries.get(m.id)}
                onRetry=${retry}
              />`,
            )}
            ${unsent.map((item) => html`<${Outgoing} key=${item.key} item=${item} onRetry=${() => retry(item)} />`)}
            ${!open && html`<${Outcome} appeal=${appeal} who=${who} />`}
          </ol>
          ${newBelow && html`<button type="button" class="new-below" onClick=${toBottom}>${t("new_messages")}</button>`}
        </div>
        ${canWork && html`<${Reply} channel=${appeal.channel} capabilities=${appeal.channel_capabilities} onSend=${send} />`}
      </div>
      <aside class="conversation-side" aria-label=${t("details")}>
        <${OtherAppeals} appeal=${appeal} />
        ${canWork && has("lifecycle") && html`<${Transfer} appealId=${appealId} me=${me} colleagues=${colleagues} act=${act} busy=${busy} />`}
        ${has("lifecycle") && html`<${Note} appealId=${appealId} act=${act} busy=${busy} />`}
        ${canWork && html`<${Promo} appealId=${appealId} act=${act} busy=${busy} />`}
        ${canWork && html`<${ClientData} appeal=${appeal} act=${act} busy=${busy} />`}
      </aside>
      ${asking === "close" &&
      html`<${Ask}
        title=${t("close_title")}
        label=${t("resolution")}
        hint=${t("resolution_hint")}
        confirm=${t("close_confirm")}
        required=${false}
        onCancel=${() => setAsking(null)}
        onConfirm=${async (text) => {
          setAsking(null);
          await act(() => api.close(appealId, text), { done: t("closed_done"), focus: "heading" });
        }}
      />`}
      ${asking === "reject" &&
      html`<${Ask}
        title=${t("reject_title")}
        label=${t("reject_reason")}
        hint=${t("reject_hint")}
        confirm=${t("reject_confirm")}
        danger=${true}
        required=${true}
        onCancel=${() => setAsking(null)}
        onConfirm=${async (text) => {
          setAsking(null);
          await act(() => api.reject(appealId, text), { done: t("rejected_done"), focus: "heading" });
        }}
      />`}
      ${viewing && html`<${PhotoViewer} photos=${photos} start=${viewing} onClose=${() => setViewing(null)} />`}
    </section>
  `;
}

/** A confirmation that asks for a text: the reason of a reject, the outcome of a close. */
function Ask({ title, label, hint, confirm, danger, required, onCancel, onConfirm }) {
  const [text, setText] = useState("");
  return html`<${Dialog} title=${title} onClose=${onCancel}>
    <form
      class="ask"
      onSubmit=${(e) => {
        e.preventDefault();
        if (!required || text.trim()) onConfirm(text.trim());
      }}
    >
      <label for="ask-text">${label}</label>
      <textarea id="ask-text" rows="3" maxlength="1000" required=${required} aria-describedby="ask-hint"
        value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea>
      <p id="ask-hint" class="hint">${hint}</p>
      <div class="row">
        <button type="button" class="quiet" onClick=${onCancel}>${t("cancel")}</button>
        <button type="submit" class=${danger ? "danger-solid" : ""} disabled=${required && !text.trim()}>${confirm}</button>
      </div>
    </form>
  <//>`;
}

/** How a closed or rejected appeal ended, with who ended it, at the end of the thread. */
function Outcome({ appeal, who }) {
  const by = who(appeal.assigned_operator_id);
  const rejected = appeal.status === "rejected";
  const head = rejected ? (by ? t("rejected_by", by) : t("status_rejected")) : by ? t("closed_by", by) : t("status_closed");
  const why = rejected ? appeal.reject_reason : appeal.resolution;
  return html`<li class="message event">
    <strong>${head}</strong>${appeal.closed_at && html` · <time datetime=${appeal.closed_at}>${when(appeal.closed_at)}</time>`}
    ${why && html`<p class="text">${rejected ? t("reason") : t("resolution_shown")}: ${why}</p>`}
    ${!rejected && html`<p class="hint">${t("reopens_hint")}</p>`}
  </li>`;
}

function Message({ message, client, who, onView, retry, onRetry }) {
  const author = message.operator_id ? who(message.operator_id) : null;
  const sender =
    message.direction === "in"
      ? client
      : message.direction === "note"
        ? author
          ? t("note_by", author)
          : t("internal_note")
        : author || t("from_operator");
  return html`
    <li class=${`message ${message.direction}`}>
      <span class="who">${sender}</span>
      ${(message.attachments || []).map((a) => html`<${Attachment} attachment=${a} onView=${onView} />`)}
      ${message.location && html`<${Location} place=${message.location} />`}
      ${message.contact && html`<${Contact} contact=${message.contact} />`}
      ${message.text && html`<p class="text">${message.text}</p>`}
      <span class="when">
        <time datetime=${message.created_at}>${when(message.created_at)}</time>
        ${message.edited_at && html` · ${t("edited")}`}
        ${message.direction === "out" && !retry && html` · ${t(`delivery_${message.delivery_status}`)}`}
        ${retry && html` · <${RetryState} item=${retry} />`}
      </span>
      ${retry && retry.state === "failed" &&
      html`<button type="button" class="quiet small" onClick=${() => onRetry(retry)}>${t("retry")}</button>`}
    </li>
  `;
}

/** An answer on its way (sending) or refused (not sent, with a retry that cannot send twice). */
function Outgoing({ item, onRetry }) {
  return html`<li class=${`message out ${item.state}`}>
    ${item.files.length > 0 && html`<span class="who">${item.files.map((f) => f.name).join(", ")}</span>`}
    ${item.text && html`<p class="text">${item.text}</p>`}
    <span class="when"><${RetryState} item=${item} /></span>
    ${item.state === "failed" && html`<button type="button" class="quiet small" onClick=${onRetry}>${t("retry")}</button>`}
  </li>`;
}

function RetryState({ item }) {
  return item.state === "sending" ? t("sending") : html`<span class="error">${t("not_sent")}: ${item.error}</span>`;
}

function Attachment({ attachment: a, onView }) {
  const label = t(a.kind === "photo" ? "photo" : a.kind === "voice" || a.kind === "audio" ? "voice" : "document");
  if (a.status !== "ready" || !a.url) {
    const state = a.status === "failed" ? "attachment_failed" : a.status === "too_large" ? "attachment_too_large" : "attachment_pending";
    return html`<p class="attachment">${label}${a.file_name ? ` ${a.file_name}` : ""}: ${t(state)}</p>`;
  }
  if (isPhoto(a)) {
    return html`<a
      class="attachment photo"
      href=${a.url}
      target="_blank"
      rel="noopener"
      onClick=${(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return; // a new tab, as asked
        e.preventDefault();
        onView(a.id);
      }}
    >
      <img src=${a.url} alt=${a.file_name ? `${label}: ${a.file_name}` : label} loading="lazy" />
    </a>`;
  }
  if (a.kind === "voice" || a.kind === "audio") {
    return html`<figure class="attachment"><figcaption>${label}</figcaption><audio controls src=${a.url}></audio></figure>`;
  }
  if (a.kind === "video" || a.kind === "video_note" || a.kind === "animation") {
    return html`<video class="attachment" controls src=${a.url} aria-label=${label}></video>`;
  }
  const size = a.size ? ` (${Math.max(1, Math.round(a.size / 1024))} KB)` : "";
  return html`<a class="attachment file" href=${a.url} download=${a.file_name || ""}>${a.file_name || label}${size}</a>`;
}

/** The appeal's photos in the page: one at a time, zoom, previous/next (also the arrow keys), download. */
function PhotoViewer({ photos, start, onClose }) {
  const [at, setAt] = useState(() => Math.max(0, photos.findIndex((p) => p.id === start)));
  const [zoomed, setZoomed] = useState(false);
  const photo = photos[at];
  if (!photo) return null;
  const go = (step) => {
    setAt((i) => Math.min(photos.length - 1, Math.max(0, i + step)));
    setZoomed(false);
  };
  return html`<${Dialog} title=${t("photo_of", at + 1, photos.length)} onClose=${onClose} className="viewer">
    <div
      class="viewer-body"
      onKeyDown=${(e) => {
        if (e.key === "ArrowRight") go(1);
        else if (e.key === "ArrowLeft") go(-1);
      }}
    >
      <div class=${zoomed ? "viewer-frame zoomed" : "viewer-frame"}>
        <img src=${photo.url} alt=${photo.file_name ? `${t("photo")}: ${photo.file_name}` : t("photo")} />
      </div>
      <div class="row">
        <button type="button" class="quiet" disabled=${at === 0} onClick=${() => go(-1)}>${t("previous")}</button>
        <button type="button" class="quiet" disabled=${at === photos.length - 1} onClick=${() => go(1)}>${t("next")}</button>
        <button type="button" class="quiet" aria-pressed=${zoomed ? "true" : "false"} onClick=${() => setZoomed(!zoomed)}>
          ${t("zoom")}
        </button>
        <a class="button quiet" href=${photo.url} download=${photo.file_name || "photo"}>${t("download")}</a>
        <button type="button" onClick=${onClose}>${t("close_photo")}</button>
      </div>
    </div>
  <//>`;
}

function Location({ place }) {
  const lat = Number(place.latitude).toFixed(5);
  const lon = Number(place.longitude).toFixed(5);
  const map = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`;
  return html`<p class="location">
    ${t("location")}: ${place.title ? `${place.title}, ` : ""}${lat}, ${lon}
    ${" "}<a href=${map} target="_blank" rel="noopener noreferrer">${t("open_map")}</a>
  </p>`;
}

function Contact({ contact }) {
  return html`<p class="contact">${t("contact")}: ${contact.name || ""} ${contact.phone
    ? html`<a href=${`tel:${contact.phone}`}>${contact.phone}</a>`
    : ""}</p>`;
}

/** The "/word" being typed at the caret, if any: the quick-reply search. */
function slashAt(text, caret) {
  const found = /(^|\s)\/([^\s/]*)$/.exec(text.slice(0, caret));
  return found ? { start: caret - found[2].length - 1, query: found[2] } : null;
}

const DEFAULT_LIMIT = 4096; // a server that does not say what the channel can do

function Reply({ channel, capabilities, onSend }) {
  const [text, setText] = useState("");
  const [files, setFiles] = useState([]);
  const [refused, setRefused] = useState(null); // why the channel cannot send what is typed
  const limit = capabilities ? textLimit(capabilities, files) : DEFAULT_LIMIT;
  const used = length(text);
  const counting = used >= limit * 0.8; // the counter shows near the limit
  const [slash, setSlash] = useState(null); // {start, query} while a "/" search is open
  const [active, setActive] = useState(0);
  const quickReplies = useList(async () => (await api.quickReplies()).quick_replies, "quick_replies");
  const box = useRef(null);
  const fileInput = useRef(null);
  // Where the caret goes once the text just set is in the box: placed as soon as it is rendered, so
  // a key typed right away lands there (setting a textarea's value puts the caret at its end).
  const caretAt = useRef(null);
  useLayoutEffect(() => {
    if (caretAt.current === null || !box.current) return;
    box.current.selectionStart = box.current.selectionEnd = caretAt.current;
    caretAt.current = null;
  });

  const matches = slash
    ? quickReplies.filter((r) => `${r.title} ${r.text}`.toLowerCase().includes(slash.query.toLowerCase()))
    : [];
  const picking = slash && quickReplies.length > 0;

  const follow = (value, caret) => {
    setText(value);
    setRefused(null);
    const found = slashAt(value, caret);
    setSlash(found);
    if (!found || !slash || found.query !== slash.query) setActive(0);
  };

  const insert = (reply) => {
    const before = text.slice(0, slash.start);
    const after = text.slice(box.current.selectionStart);
    const value = `${before}${reply.text}${after}`;
    caretAt.current = before.length + reply.text.length;
    box.current.focus();
    setText(value);
    setSlash(null);
  };

  const addFiles = (list) => {
    if (has("uploads") && list.length) setFiles((old) => [...old, ...list]);
    setRefused(null);
  };

  const send = (event) => {
    event.preventDefault();
    if (!text.trim() && !files.length) return;
    const why = cannotSend(channel, capabilities, text, files);
    setRefused(why);
    if (why) {
      box.current.focus();
      return;
    }
    onSend(text, files);
    setText("");
    setFiles([]);
    setSlash(null);
    if (fileInput.current) fileInput.current.value = "";
  };

  return html`
    <form
      class="reply"
      onSubmit=${send}
      onDragOver=${(e) => e.preventDefault()}
      onDrop=${(e) => {
        e.preventDefault();
        addFiles([...e.dataTransfer.files]);
      }}
    >
      <label for="reply-text">${t("reply")}</label>
      <div class="reply-box">
        <textarea
          id="reply-text"
          ref=${box}
          rows="3"
          maxlength=${capabilities ? capabilities.max_text : DEFAULT_LIMIT}
          aria-describedby=${["reply-hint", counting && "reply-count", refused && "reply-refused"].filter(Boolean).join(" ")}
          aria-invalid=${refused ? "true" : undefined}
          aria-controls=${picking ? "quick-reply-list" : undefined}
          aria-activedescendant=${picking && matches.length ? `quick-reply-${active}` : undefined}
          value=${text}
          onInput=${(e) => follow(e.currentTarget.value, e.currentTarget.selectionStart)}
          onPaste=${(e) => {
            const pasted = [...(e.clipboardData ? e.clipboardData.files : [])];
            if (pasted.length && has("uploads")) {
              e.preventDefault();
              addFiles(pasted);
            }
          }}
          onKeyDown=${(e) => {
            if (picking) {
              if (e.key === "Escape") {
                e.preventDefault();
                setSlash(null);
                return;
              }
              if (matches.length && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
                e.preventDefault();
                const step = e.key === "ArrowDown" ? 1 : -1;
                setActive((i) => (i + step + matches.length) % matches.length);
                return;
              }
              if (matches.length && e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
                e.preventDefault();
                insert(matches[Math.min(active, matches.length - 1)]);
                return;
              }
            }
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) send(e);
          }}
        ></textarea>
        ${picking &&
        html`<ul class="quick-list" id="quick-reply-list" role="listbox" aria-label=${t("quick_replies")}>
          ${matches.map(
            (r, i) => html`<li
              id=${`quick-reply-${i}`}
              role="option"
              aria-selected=${i === active ? "true" : "false"}
              onMouseDown=${(e) => {
                e.preventDefault();
                insert(r);
              }}
            >
              <strong>${r.title}</strong> <span class="hint">${r.text}</span>
            </li>`,
          )}
          ${!matches.length && html`<li class="hint" role="option" aria-selected="false">${t("no_quick_reply")}</li>`}
        </ul>`}
      </div>
      ${refused && html`<p id="reply-refused" class="error" role="alert">${refused}</p>`}
      <div class="row">
        <p id="reply-hint" class="hint">${t(quickReplies.length ? "reply_hint_quick" : "reply_hint")}</p>
        ${quickReplies.length > 0 &&
        html`<button
          type="button"
          class="quiet"
          onClick=${() => {
            const el = box.current;
            const caret = el.selectionStart;
            const lead = caret > 0 && !/\s/.test(text[caret - 1]) ? " /" : "/";
            const value = text.slice(0, caret) + lead + text.slice(caret);
            el.focus();
            caretAt.current = caret + lead.length;
            follow(value, caret + lead.length);
          }}
        >
          ${t("quick_replies")}
        </button>`}
        ${has("uploads") &&
        html`<label class="inline file-pick">
          ${t("attach")}
          <input type="file" multiple ref=${fileInput} accept="image/*,application/pdf,.doc,.docx,.xls,.xlsx,.txt"
            onChange=${(e) => addFiles([...e.currentTarget.files])} />
        </label>`}
        ${counting &&
        html`<span id="reply-count" class=${used > limit ? "count over" : "count"}>${characters(used, limit)}</span>`}
        <button type="submit">${t("send")}</button>
      </div>
      ${files.length > 0 &&
      html`<ul class="files" aria-label=${t("attached_files")}>
        ${files.map((f, i) => html`<li>
          ${f.type.startsWith("image/") && html`<${Thumb} file=${f} />`}
          <span>${f.name}</span>
          <button type="button" class="quiet small" onClick=${() => { setFiles(files.filter((_, j) => j !== i)); setRefused(null); }}>
            ${t("remove_attachment", f.name)}
          </button>
        </li>`)}
      </ul>`}
    </form>
  `;
}

function Thumb({ file }) {
  const [url, setUrl] = useState(null);
  useEffect(() => {
    const made = URL.createObjectURL(file);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [file]);
  return url && html`<img class="thumb" src=${url} alt="" />`;
}

function Note({ appealId, act, busy }) {
  const [text, setText] = useState("");
  const add = async (event) => {
    event.preventDefault();
    if (text.trim() && (await act(() => api.note(appealId, text)))) setText("");
  };
  return html`
    <details class="tool">
      <summary>${t("note")}</summary>
      <form onSubmit=${add}>
        <label for="note-text">${t("note_label")}</label>
        <textarea id="note-text" rows="2" maxlength="4096" value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea>
        <button type="submit" disabled=${busy}>${t("add_note")}</button>
      </form>
    </details>
  `;
}

function Promo({ appealId, act, busy }) {
  const promos = useList(async () => (await api.promos()).promos, "promos");
  const [chosen, setChosen] = useState("");
  if (!promos.length) return null;
  return html`
    <details class="tool">
      <summary>${t("promo")}</summary>
      <form onSubmit=${(e) => { e.preventDefault(); if (chosen) act(() => api.promo(appealId, chosen)); }}>
        <label for="promo-pick">${t("choose_promo")}</label>
        <select id="promo-pick" value=${chosen} onChange=${(e) => setChosen(e.currentTarget.value)}>
          <option value=""></option>
          ${promos.map((p) => html`<option value=${p.id}>${p.title}</option>`)}
        </select>
        <button type="submit" disabled=${busy || !chosen}>${t("send_promo")}</button>
      </form>
    </details>
  `;
}

function Transfer({ appealId, me, colleagues, act, busy }) {
  const others = colleagues.filter((c) => c.id !== me.id);
  const [chosen, setChosen] = useState("");
  if (!others.length) return null;
  return html`
    <form class="transfer" onSubmit=${(e) => { e.preventDefault(); if (chosen) act(() => api.transfer(appealId, chosen), { focus: "heading" }); }}>
      <label for="transfer-to">${t("transfer_to")}</label>
      <select id="transfer-to" value=${chosen} onChange=${(e) => setChosen(e.currentTarget.value)}>
        <option value="">${t("choose_colleague")}</option>
        ${others.map((c) => html`<option value=${c.id}>${c.name}${c.online ? ` (${t("online")})` : ""}</option>`)}
      </select>
      <button type="submit" disabled=${busy || !chosen}>${t("transfer")}</button>
    </form>
  `;
}

/** The client's other appeals, any status: their own (found by their phone or name) and, from the
 * API, those of the same phone on another channel. */
function OtherAppeals({ appeal }) {
  const [own, setOwn] = useState(null);
  const q = (appeal.client.phone || appeal.client.name || "").trim();
  useEffect(() => {
    if (q.length < 2) {
      setOwn([]);
      return;
    }
    api
      .appeals({ q, status: "all", sort: "created", limit: 20 })
      .then((answer) => setOwn(answer.appeals.filter((a) => a.client.id === appeal.client.id && a.id !== appeal.id)))
      .catch(() => setOwn([]));
  }, [appeal.id, q]);
  if (!own) return null;
  const seen = new Set();
  const others = [...own, ...(appeal.client.other_appeals || [])]
    .filter((a) => a.id !== appeal.id && !seen.has(a.id) && seen.add(a.id))
    .sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  return html`<section class="tool others" aria-labelledby="others-title">
    <h3 id="others-title">${t("other_appeals")}</h3>
    ${!others.length && html`<p class="hint">${t("no_other_appeals")}</p>`}
    ${others.length > 0 &&
    html`<ul>
      ${others.map(
        (a) => html`<li>
          <a href=${`#/appeals/${a.id}`}><${ChannelIcon} channel=${a.channel} /> ${when(a.created_at)}</a>
          ${" "}<span class=${`status status-${a.status}`}>${t(`status_${a.status}`)}</span>
          ${a.preview && html`<span class="preview">${a.preview}</span>`}
        </li>`,
      )}
    </ul>`}
  </section>`;
}

const FIELDS = ["client_name", "phone", "car_model", "battery_model", "summary"];

function ClientData({ appeal, act, busy }) {
  const value = (name) =>
    (appeal.normalized && appeal.normalized[name]) ||
    (name === "client_name" ? appeal.client.name : name === "phone" ? appeal.client.phone : "") ||
    "";
  const save = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const fields = {};
    for (const name of FIELDS) {
      const typed = String(form.get(name) || "").trim();
      if (typed !== value(name)) fields[name] = typed || null;
    }
    if (Object.keys(fields).length) act(() => api.normalize(appeal.id, fields), { done: t("saved") });
  };
  // The inputs take the server's values as their defaults, so a live refresh (a new message, a
  // colleague's change) never overwrites what the operator is typing; the form starts afresh only
  // when those values change (after a save).
  const saved = FIELDS.map(value).join("\u0001");
  return html`
    <details class="tool">
      <summary>${t("client_data")}</summary>
      <form class="grid" key=${saved} onSubmit=${save}>
        ${FIELDS.map(
          (name) => html`
            <label for=${`nf-${name}`}>${t(name)}</label>
            ${name === "summary"
              ? html`<textarea id=${`nf-${name}`} name=${name} rows="2" maxlength="2000">${value(name)}</textarea>`
              : html`<input id=${`nf-${name}`} name=${name} defaultValue=${value(name)} maxlength=${name === "phone" ? 64 : 200} />`}
          `,
        )}
        <button type="submit" disabled=${busy}>${t("save")}</button>
      </form>
    </details>
  `;
}
