// The unlock screen: when the store is encrypted, the app asks for its
// passphrase before anything else. The passphrase goes to the `unlock`
// command once and is never kept, logged or stored here.

import { commands } from "../bindings/commands";
import { clear, h } from "../dom";
import { getLang, initLang } from "../i18n";
import { toUiError } from "../format";

const TEXT = {
  zh: {
    title: "数据已加密",
    lead: "请输入口令以打开本机的学员数据。",
    label: "口令",
    submit: "打开",
    opening: "正在打开…",
    wrong: "口令不正确，请重试。",
    failed: "无法打开数据：",
  },
  en: {
    title: "This store is encrypted",
    lead: "Enter the passphrase to open the trainee data on this laptop.",
    label: "Passphrase",
    submit: "Unlock",
    opening: "Opening…",
    wrong: "That passphrase does not open this store. Try again.",
    failed: "Could not open the store: ",
  },
} as const;

/** Runs `boot` at once for an unencrypted store; otherwise after the user unlocks it. */
export async function unlockFirst(root: HTMLElement, boot: () => void): Promise<void> {
  let locked = false;
  try {
    locked = await commands.storeLocked();
  } catch {
    locked = false;
  }
  if (!locked) {
    boot();
    return;
  }
  renderUnlock(root, boot);
}

function renderUnlock(root: HTMLElement, done: () => void): void {
  initLang();
  const tx = TEXT[getLang() === "zh" ? "zh" : "en"];
  const input = h("input", {
    type: "password", id: "unlock-passphrase", style: "flex:1;padding:8px 10px;border:1px solid var(--line-strong);border-radius:6px;font:inherit;", testid: "unlock-passphrase",
    autocomplete: "current-password", spellcheck: "false", required: true,
  });
  const error = h("p", { class: "unlock-error", role: "alert", testid: "unlock-error" });
  const button = h("button", { type: "submit", class: "btn btn-primary", testid: "unlock-submit" }, tx.submit);
  const form = h("form", { class: "card unlock", testid: "unlock-form", style: "max-width:420px;margin:15vh auto;" },
    h("h1", { class: "card-title" }, tx.title),
    h("p", null, tx.lead),
    h("label", { for: "unlock-passphrase" }, tx.label),
    h("div", { style: "display:flex;gap:8px;margin-top:6px;" }, input, button),
    error,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const passphrase = input.value;
    if (!passphrase) return;
    button.disabled = true;
    input.disabled = true;
    error.textContent = tx.opening;
    commands.unlock(passphrase).then(
      () => { input.value = ""; done(); },
      (e: unknown) => {
        const err = toUiError(e);
        error.textContent = err.kind === "wrong_passphrase" ? tx.wrong : tx.failed + err.message;
        input.value = "";
        button.disabled = false;
        input.disabled = false;
        input.focus();
      },
    );
  });
  clear(root);
  root.append(form);
  input.focus();
}
