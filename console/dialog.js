// A modal dialog on the browser's own <dialog>: focus moves in and is kept there, Escape closes it,
// and focus returns to where it was when it closes.

import { useEffect, useRef } from "preact/hooks";
import { html } from "./html.js";

let counter = 0;

export function Dialog({ title, onClose, className = "", children }) {
  const ref = useRef(null);
  const titleId = useRef(`dialog-title-${++counter}`);
  useEffect(() => {
    const dialog = ref.current;
    const before = document.activeElement;
    dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      if (before && before.isConnected && typeof before.focus === "function") before.focus();
    };
  }, []);
  return html`
    <dialog
      ref=${ref}
      class=${`modal ${className}`}
      aria-labelledby=${titleId.current}
      onCancel=${(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id=${titleId.current}>${title}</h2>
      ${children}
    </dialog>
  `;
}
