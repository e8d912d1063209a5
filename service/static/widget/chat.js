// The chat panel: its elements, opening and closing, the stored transcript. Asking is in ask.js,
// drawing the messages and the passage view in render.js (both add methods to this class).
"use strict";

const MAX_STORED_MESSAGES = 40; // sessionStorage is small (~5 MB) and sources carry passages

class ChatWidget {
  constructor(host, cfg) {
    this.host = host;
    this.cfg = cfg;
    this.t = cfg.t || resolveStrings("en");
    this.floating = !cfg.inline;
    const ns = `accords:${cfg.siteKey || "default"}:`;
    this.keys = { conversation: ns + "conversation", transcript: ns + "transcript" };
    this.messages = storageGet(this.keys.transcript) || [];
    this.conversationId = storageGet(this.keys.conversation);
    this.request = null; // { controller, reason } while a question is in flight
    this.build();
    this.restore();
    if (this.floating) this.setOpen(!!cfg.open, false);
  }

  build() {
    const cfg = this.cfg;
    const t = this.t;
    const shadow = this.host.shadowRoot || this.host.attachShadow({ mode: "open" });
    applyStyles(shadow);
    this.input = h("textarea", {
      rows: 1, placeholder: cfg.placeholder, "aria-label": t.questionLabel, enterkeyhint: "send",
      oninput: () => this.autoGrow(),
      onkeydown: (e) => {
        // Enter sends, Shift+Enter is a newline; never send in the middle of an IME composition.
        if (e.key !== "Enter" || e.shiftKey || e.isComposing || e.keyCode === 229) return;
        e.preventDefault();
        this.submit();
      },
    });
    this.sendButton = h("button", { type: "submit", class: "send", text: t.send });
    this.stopButton = h("button", {
      type: "button", class: "stop", text: t.stop, hidden: true, "aria-label": t.stopLabel,
      onclick: () => this.abort("stop"),
    });
    this.log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": t.conversation });
    const composer = h("form", { class: "composer", onsubmit: (e) => (e.preventDefault(), this.submit()) },
      [this.input, this.sendButton, this.stopButton]);
    this.chatView = h("div", { class: "view" }, [this.log, composer]);
    this.passageView = h("div", { class: "view", hidden: true });
    const head = h("div", { class: "head" }, [
      h("h2", { class: "title", text: cfg.title }),
      h("button", { type: "button", class: "tool", text: t.newChat, onclick: () => this.reset() }),
      this.floating && h("button", {
        type: "button", class: "tool close", "aria-label": t.closeChat,
        onclick: () => this.setOpen(false, true),
      }, [icon(ICON_CLOSE)]),
    ]);
    this.panel = h("section", {
      class: "panel", id: "accords-panel", role: this.floating ? "dialog" : "region", "aria-label": cfg.title,
    }, [head, this.chatView, this.passageView]);
    const position = cfg.position === "bottom-left" ? " left" : "";
    this.root = h("div", {
      class: `root ${this.floating ? "floating" : "inline"}${position}`, lang: t.lang,
      onkeydown: (e) => e.key === "Escape" && this.onEscape(e),
    });
    if (this.floating) {
      this.launcher = h("button", {
        type: "button", class: "launcher", "aria-controls": "accords-panel", "aria-expanded": "false",
        onclick: () => this.setOpen(this.panel.hidden, true),
      });
      this.root.append(this.launcher);
    }
    this.root.append(this.panel);
    shadow.append(this.root);
    if (cfg.color) {
      this.root.style.setProperty("--ac-primary", cfg.color);
      this.root.style.setProperty("--ac-on-primary", textColorOn(this.root, cfg.color));
    }
  }

  setOpen(open, moveFocus) {
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.setAttribute("aria-label", fill(open ? this.t.closeLauncher : this.t.openLauncher, { title: this.cfg.title }));
    this.launcher.replaceChildren(icon(open ? ICON_CLOSE : ICON_CHAT));
    // data-open at page load must not steal the page's focus; a person's click does move it.
    if (moveFocus) (open ? this.input : this.launcher).focus();
  }

  onEscape(e) {
    if (!this.passageView.hidden) this.closePassage();
    else if (this.floating && !this.panel.hidden) this.setOpen(false, true);
    else return;
    e.preventDefault();
  }

  autoGrow() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 140)}px`;
  }

  save() {
    this.messages = this.messages.slice(-MAX_STORED_MESSAGES);
    storageSet(this.keys.transcript, this.messages.length ? this.messages : null);
    storageSet(this.keys.conversation, this.conversationId || null);
  }

  restore() {
    const greeting = h("div", { class: "bubble", dir: "auto", text: this.cfg.greeting });
    this.log.replaceChildren(h("div", { class: "msg bot greeting" }, [greeting]));
    for (const msg of this.messages) {
      if (msg.pending) {
        // The page was reloaded while this answer was streaming.
        msg.pending = false;
        msg.notices = (msg.notices || []).concat([{ kind: "error", text: this.t.interrupted }]);
      }
      this.log.append(this.renderMessage(msg));
    }
    this.log.scrollTop = this.log.scrollHeight;
  }

  reset() {
    this.abort("reset");
    this.messages = [];
    this.conversationId = null;
    this.save();
    this.closePassage();
    this.restore();
    this.input.focus();
  }

  abort(reason) {
    if (!this.request) return;
    this.request.reason = reason;
    this.request.controller.abort();
  }

  submit() {
    const question = this.input.value.trim();
    if (!question || this.request) return;
    this.input.value = "";
    this.autoGrow();
    this.ask(question);
  }
}
