// One appeal: its messages (text, photos, files, voice, location, contact, notes) and what the
// operator may do with it right now. Actions the server does not offer (yet) are not shown.

import { useEffect, useRef, useState } from "preact/hooks";
import { api, describe, has, putFile } from "../api.js";
import { html } from "../html.js";
import { t, when } from "../i18n.js";

const OPEN = new Set(["new", "in_progress"]);

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

export function Conversation({ appealId, me, changed, onChanged }) {
  const [appeal, setAppeal] = useState(null);
  const [error, setError] = useState(null);
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);
  const heading = useRef(null);
  const thread = useRef(null);

  const lastRead = useRef(null);

  const reload = async () => {
    try {
      const answer = await api.appeal(appealId);
      setAppeal(answer.appeal);
      setError(null);
      const newest = answer.appeal.messages.at(-1);
      if (has("lifecycle") && newest && newest.id !== lastRead.current) {
        lastRead.current = newest.id; // only when there is something new to mark read
        api.read(appealId).catch(() => {});
      }
    } catch (err) {
      setError(describe(err));
    }
  };

  useEffect(() => {
    reload().then(() => heading.current && heading.current.focus());
  }, [appealId]);

  useEffect(() => {
    if (changed.ids.includes(appealId)) reload();
  }, [changed.at]);

  useEffect(() => {
    if (thread.current) thread.current.scrollTop = thread.current.scrollHeight;
  }, [appeal && appeal.messages.length]);

  // A file still being fetched from Telegram: look again shortly (its status changes elsewhere).
  const pending = appeal && appeal.messages.some((m) => (m.attachments || []).some((a) => a.status === "pending"));
  useEffect(() => {
    if (!pending) return undefined;
    const timer = setTimeout(reload, 2000);
    return () => clearTimeout(timer);
  }, [appeal]);

  /** Runs an action; the appeal and the list are reloaded after it, whatever happened. */
  const act = async (work, done) => {
    setBusy(true);
    setError(null);
    setStatus("");
    try {
      await work();
      if (done) setStatus(done);
      return true;
    } catch (err) {
      setError(describe(err));
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

  return html`
    <section class="conversation-pane" aria-label=${t("conversation")}>
      <a class="back" href="#/">${t("back_to_appeals")}</a>
      <header class="conversation-head">
        <h2 tabindex="-1" ref=${heading}>${name}</h2>
        <p class="meta">
          ${appeal.client.phone && html`<span>${appeal.client.phone}</span>`}
          <span class=${`status status-${appeal.status}`}>${t(`status_${appeal.status}`)}</span>
          ${appeal.assigned_operator_id && html`<span>${mine ? t("held_by_me") : t("held_by_other")}</span>`}
        </p>
        <div class="actions">
          ${open && free && html`<button type="button" disabled=${busy} onClick=${() => act(() => api.take(appealId))}>${t("take")}</button>`}
          ${open && mine && has("lifecycle") && html`<button type="button" class="quiet" disabled=${busy} onClick=${() => act(() => api.release(appealId))}>${t("release")}</button>`}
          ${canWork && has("lifecycle") && html`<button type="button" disabled=${busy} onClick=${() => act(() => api.close(appealId))}>${t("close")}</button>`}
          ${canWork && html`<button type="button" class="danger" disabled=${busy} onClick=${() => act(() => api.reject(appealId))}>${t("reject")}</button>`}
        </div>
        ${canWork && has("lifecycle") && html`<${Transfer} appealId=${appealId} me=${me} act=${act} busy=${busy} />`}
      </header>
      ${appeal.client.reachable === false && html`<p class="warning">${t("unreachable")}</p>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <p class="visually-hidden" role="status">${status}</p>
      <ol class="thread" aria-label=${t("messages")} ref=${thread} tabindex="0">
        ${appeal.messages.map((m) => html`<${Message} message=${m} />`)}
      </ol>
      ${canWork && html`<${Reply} appealId=${appealId} act=${act} busy=${busy} />`}
      ${has("lifecycle") && html`<${Note} appealId=${appealId} act=${act} busy=${busy} />`}
      ${canWork && html`<${Promo} appealId=${appealId} act=${act} busy=${busy} />`}
      ${(open && (mine || free)) && html`<${ClientData} appeal=${appeal} act=${act} busy=${busy} />`}
    </section>
  `;
}

function Message({ message }) {
  const who =
    message.direction === "in" ? t("from_client") : message.direction === "note" ? t("internal_note") : t("from_operator");
  return html`
    <li class=${`message ${message.direction}`}>
      <span class="who">${who}</span>
      ${(message.attachments || []).map((a) => html`<${Attachment} attachment=${a} />`)}
      ${message.location && html`<${Location} place=${message.location} />`}
      ${message.contact && html`<${Contact} contact=${message.contact} />`}
      ${message.text && html`<p class="text">${message.text}</p>`}
      <span class="when">
        <time datetime=${message.created_at}>${when(message.created_at)}</time>
        ${message.edited_at && html` · ${t("edited")}`}
        ${message.direction === "out" && message.delivery_status !== "sent" && html` · ${t(`delivery_${message.delivery_status}`)}`}
      </span>
    </li>
  `;
}

function Attachment({ attachment: a }) {
  const label = t(a.kind === "photo" ? "photo" : a.kind === "voice" || a.kind === "audio" ? "voice" : "document");
  if (a.status !== "ready" || !a.url) {
    const state = a.status === "failed" ? "attachment_failed" : a.status === "too_large" ? "attachment_too_large" : "attachment_pending";
    return html`<p class="attachment">${label}${a.file_name ? ` ${a.file_name}` : ""}: ${t(state)}</p>`;
  }
  if (a.kind === "photo" || (a.kind === "sticker" && (a.mime_type || "").startsWith("image/"))) {
    return html`<a class="attachment photo" href=${a.url} target="_blank" rel="noopener">
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

function Reply({ appealId, act, busy }) {
  const [text, setText] = useState("");
  const [files, setFiles] = useState([]);
  const quickReplies = useList(async () => (await api.quickReplies()).quick_replies, "quick_replies");
  const fileInput = useRef(null);

  const send = async (event) => {
    event.preventDefault();
    if (!text.trim() && !files.length) return;
    const sent = await act(async () => {
      const attachmentIds = [];
      for (const file of files) {
        const { upload } = await api.upload(file);
        await putFile(upload, file);
        attachmentIds.push(upload.id);
      }
      const body = { client_message_id: crypto.randomUUID() };
      if (text.trim()) body.text = text;
      if (attachmentIds.length) body.attachment_ids = attachmentIds;
      await api.respond(appealId, body);
    });
    if (sent) {
      setText("");
      setFiles([]);
      if (fileInput.current) fileInput.current.value = "";
    }
  };

  return html`
    <form class="reply" onSubmit=${send}>
      <label for="reply-text">${t("reply")}</label>
      <textarea
        id="reply-text"
        rows="3"
        maxlength="4096"
        value=${text}
        onInput=${(e) => setText(e.currentTarget.value)}
        onKeyDown=${(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) send(e);
        }}
      ></textarea>
      <div class="row">
        ${quickReplies.length > 0 &&
        html`<label class="inline">
          <span class="visually-hidden">${t("choose_quick_reply")}</span>
          <select onChange=${(e) => {
            const chosen = quickReplies.find((r) => r.id === e.currentTarget.value);
            if (chosen) setText((old) => (old ? `${old}\n${chosen.text}` : chosen.text));
            e.currentTarget.value = "";
          }}>
            <option value="">${t("quick_replies")}</option>
            ${quickReplies.map((r) => html`<option value=${r.id}>${r.title}</option>`)}
          </select>
        </label>`}
        ${has("uploads") &&
        html`<label class="inline file-pick">
          ${t("attach")}
          <input type="file" multiple ref=${fileInput} accept="image/*,application/pdf,.doc,.docx,.xls,.xlsx,.txt"
            onChange=${(e) => setFiles([...e.currentTarget.files])} />
        </label>`}
        <button type="submit" disabled=${busy}>${t("send")}</button>
      </div>
      ${files.length > 0 && html`<ul class="files">${files.map((f) => html`<li>${f.name}</li>`)}</ul>`}
    </form>
  `;
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

function Transfer({ appealId, me, act, busy }) {
  const colleagues = useList(async () => (await api.colleagues()).colleagues, "lifecycle").filter((c) => c.id !== me.id);
  const [chosen, setChosen] = useState("");
  if (!colleagues.length) return null;
  return html`
    <form class="transfer" onSubmit=${(e) => { e.preventDefault(); if (chosen) act(() => api.transfer(appealId, chosen)); }}>
      <label for="transfer-to">${t("transfer_to")}</label>
      <select id="transfer-to" value=${chosen} onChange=${(e) => setChosen(e.currentTarget.value)}>
        <option value="">${t("choose_colleague")}</option>
        ${colleagues.map((c) => html`<option value=${c.id}>${c.name}${c.online ? ` (${t("online")})` : ""}</option>`)}
      </select>
      <button type="submit" disabled=${busy || !chosen}>${t("transfer")}</button>
    </form>
  `;
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
    if (Object.keys(fields).length) act(() => api.normalize(appeal.id, fields), t("saved"));
  };
  return html`
    <details class="tool">
      <summary>${t("client_data")}</summary>
      <form class="grid" onSubmit=${save}>
        ${FIELDS.map(
          (name) => html`
            <label for=${`nf-${name}`}>${t(name)}</label>
            ${name === "summary"
              ? html`<textarea id=${`nf-${name}`} name=${name} rows="2" maxlength="2000">${value(name)}</textarea>`
              : html`<input id=${`nf-${name}`} name=${name} value=${value(name)} maxlength=${name === "phone" ? 64 : 200} />`}
          `,
        )}
        <button type="submit" disabled=${busy}>${t("save")}</button>
      </form>
    </details>
  `;
}
