// Each appeal's channel as a small icon with an accessible name: Telegram, VK or MAX.

import { html } from "./html.js";
import { t } from "./i18n.js";

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
  const name = known ? t(`channel_${channel}`) : String(channel);
  return html`<svg class="channel" viewBox="0 0 16 16" width="16" height="16" role="img" aria-label=${name}>
    <title>${name}</title>
    ${known ? GLYPHS[channel] : html`<circle cx="8" cy="8" r="8" fill="#57606a" />`}
  </svg>`;
}
