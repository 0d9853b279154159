// Each appeal's channel as a small icon with an accessible name (Telegram, VK or MAX), and what the
// channel cannot do, from the capabilities the appeal's detail carries.

import { html } from "./html.js";
import { lang, t } from "./i18n.js";

const GLYPHS = {
  telegram: html`<circle cx="8" cy="8" r="8" fill="#229ed9" />
    <path d="M3.6 7.8l7.7-3c.4-.1.7.1.6.6l-1.3 6.1c-.1.4-.4.5-.8.3l-2-1.5-1 .9c-.1.1-.2.2-.4.2l.1-2.1 3.8-3.4c.2-.1 0-.2-.2-.1L5.4 8.7l-2-.6c-.4-.1-.4-.4.2-.3z" fill="#fff" />`,
  vk: html`<rect width="16" height="16" rx="4" fill="#0077ff" />
    <path d="M8.5 11.5C4.9 11.5 2.9 9 2.8 4.9h1.8c.1 3 1.4 4.3 2.4 4.5V4.9h1.7v2.6c1-.1 2.1-1.3 2.4-2.6h1.7c-.3 1.6-1.5 2.8-2.3 3.3.8.4 2.1 1.4 2.6 3.3h-1.8c-.4-1.3-1.4-2.2-2.6-2.3v2.3z" fill="#fff" />`,
  max: html`<rect width="16" height="16" rx="8" fill="#6b3df5" />
    <path d="M4 11.5V4.5h1.6L8 8l2.4-3.5H12v7h-1.6V7.3L8 10.6 5.6 7.3v4.2z" fill="#fff" />`,
};

export function ChannelIcon({ channel }) {
  const known = Object.hasOwn(GLYPHS, channel);
  const name = channelName(channel);
  return html`<svg class="channel" viewBox="0 0 16 16" width="16" height="16" role="img" aria-label=${name}>
    <title>${name}</title>
    ${known ? GLYPHS[channel] : html`<circle cx="8" cy="8" r="8" fill="#57606a" />`}
  </svg>`;
}

// An operator upload is a photo when the server would take it as one (shared/media/uploads.py
// PHOTO_TYPES), else a document: the kind the channel must be able to send.
const PHOTO_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);
const SEND_KINDS = ["photo", "document"];

const number = new Intl.NumberFormat(lang);
const MB = 1024 * 1024;

function size(bytes) {
  return bytes >= 1024 * MB && bytes % (1024 * MB) === 0
    ? t("size_gb", number.format(bytes / (1024 * MB)))
    : t("size_mb", number.format(Math.floor(bytes / MB)));
}

export function channelName(channel) {
  return Object.hasOwn(GLYPHS, channel) ? t(`channel_${channel}`) : String(channel);
}

/** How many characters an answer's text counts as the server counts them (code points). */
export const length = (text) => [...text].length;

/** "1,000 of 1,024 characters", for the counter near the limit. */
export const characters = (used, limit) => t("characters_used", number.format(used), number.format(limit));

/** The most characters an answer may carry: a caption's limit once files go with it. */
export const textLimit = (capabilities, files) => (files.length ? capabilities.max_caption : capabilities.max_text);

/** What the appeal's channel cannot do, as one short line (null when the server does not say). */
export function ChannelLimits({ channel, capabilities }) {
  if (!capabilities) return null;
  const { max_text: text, max_caption: caption } = capabilities;
  const items = [
    ...SEND_KINDS.filter((kind) => !capabilities.send_kinds.includes(kind)).map((kind) => t(`limits_kind_${kind}`)),
    text === caption
      ? t("limits_text_caption", number.format(text))
      : `${t("limits_text", number.format(text))}, ${t("limits_caption", number.format(caption))}`,
    t("limits_file", size(capabilities.max_file_bytes)),
  ];
  return html`<p class="channel-limits hint">
    ${t("limits_line", channelName(channel), items.join(", "))}${!capabilities.edits && ` ${t("limits_no_edits")}`}
  </p>`;
}

/** Why the channel cannot send this answer, in the operator's language, or null: the server's own
 * check (409 channel_cannot), made before anything is uploaded or sent. */
export function cannotSend(channel, capabilities, text, files) {
  if (!capabilities) return null;
  const name = channelName(channel);
  const kinds = files.map((file) => (PHOTO_TYPES.has(file.type) ? "photo" : "document"));
  const kind = kinds.find((k) => !capabilities.send_kinds.includes(k));
  if (kind) return t("cannot_kind", name, t(`limits_kind_${kind}`));
  const limit = textLimit(capabilities, files);
  if (length(text) > limit) return t(files.length ? "cannot_caption" : "cannot_text", name, number.format(limit));
  const big = files.find((file) => file.size > capabilities.max_file_bytes);
  if (big) return t("cannot_file", name, size(capabilities.max_file_bytes), big.name);
  return null;
}
