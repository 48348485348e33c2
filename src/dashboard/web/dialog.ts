/** @module dashboard/web/dialog — a modal confirmation built on the native `<dialog>` element. */

import { createElement } from "./dom.js";

export interface Confirmation {
  title: string;
  /** Paragraphs of the question; nodes may highlight a key or a count. */
  message: (Node | string)[];
  confirmLabel: string;
}

/** Asks the user; resolves `true` only when the confirm button is pressed. */
export function askConfirmation({ title, message, confirmLabel }: Confirmation): Promise<boolean> {
  const cancel = createElement(
    "button",
    { type: "button", class: "button", value: "cancel" },
    "Cancel",
  );
  const confirm = createElement(
    "button",
    { type: "button", class: "button danger", value: "confirm" },
    confirmLabel,
  );
  const dialog = createElement(
    "dialog",
    { class: "confirm-dialog", "aria-labelledby": "confirm-title" },
    createElement("h2", { id: "confirm-title" }, title),
    createElement("div", { class: "confirm-message" }, ...message),
    createElement("div", { class: "dialog-actions" }, cancel, confirm),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    const finish = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener("click", () => finish(false));
    confirm.addEventListener("click", () => finish(true));
    // Escape closes the dialog natively: that is a "no".
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    dialog.showModal();
    cancel.focus();
  });
}
