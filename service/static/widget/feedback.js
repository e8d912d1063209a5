// Thumbs up/down under an answer, and after a thumbs-down a short comment box: POST /feedback with the
// answer's `answer_id` (from the `done` event) and the site key the widget already sends. A rating is
// sent at once (so a reader who skips the comment still counts); the comment, if any, sends the rating
// again with it, which replaces the first (one feedback per answer). Nothing else is sent: no cookie.
"use strict";

const ICON_UP = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 " +
  "7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";
const ICON_DOWN = "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 " +
  "4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z";
const MAX_COMMENT = 2000; // the service's limit
let commentBoxes = 0; // ids that tie each comment box to its label

async function postFeedback(siteKey, body) {
  const headers = { "Content-Type": "application/json" };
  if (siteKey) headers["X-Accords-Site-Key"] = siteKey;
  const response = await fetch(`${ORIGIN}/feedback`, {
    method: "POST", mode: "cors", credentials: "omit", cache: "no-store", headers, body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
}

Object.assign(ChatWidget.prototype, {
  // The row under an answer. `bot.feedback`: { rating: "up"|"down", stage: "comment"|"done", error }.
  renderFeedback(bot) {
    const t = this.t;
    const state = bot.feedback || (bot.feedback = { rating: null, stage: null, error: false });
    const thumb = (rating, path, label) => h("button", {
      type: "button", class: `thumb ${rating}`, "aria-label": label, title: label, "aria-pressed": "false",
      onclick: () => this.rate(bot, rating, sync, comment),
    }, [icon(path)]);
    const up = thumb("up", ICON_UP, t.helpful);
    const down = thumb("down", ICON_DOWN, t.notHelpful);
    const boxId = `accords-comment-${++commentBoxes}`;
    const comment = h("textarea", {
      id: boxId, class: "fb-text", rows: 2, maxlength: MAX_COMMENT, dir: "auto",
      onkeydown: (e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation(); // Escape here skips the comment; it must not also close the panel
          this.skipComment(bot, sync, down);
        } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
          e.preventDefault();
          this.sendComment(bot, comment.value, sync, down);
        }
      },
    });
    const send = (e) => (e.preventDefault(), this.sendComment(bot, comment.value, sync, down));
    const form = h("form", { class: "fb-comment", onsubmit: send }, [
      h("label", { for: boxId, text: t.commentLabel }),
      comment,
      h("div", { class: "fb-actions" }, [
        h("button", { type: "submit", class: "fb-send", text: t.commentSend }),
        h("button", {
          type: "button", class: "fb-skip", text: t.commentSkip, onclick: () => this.skipComment(bot, sync, down),
        }),
      ]),
    ]);
    const thanks = h("span", { class: "fb-thanks", role: "status" });
    const error = h("span", { class: "fb-error", role: "alert" });
    const row = h("div", { class: "feedback", role: "group", "aria-label": t.rate }, [up, down, thanks, error]);
    // The comment box is in the page only while it is open.
    const box = h("div", { class: "fb" }, [row]);

    function sync() {
      up.setAttribute("aria-pressed", String(state.rating === "up"));
      down.setAttribute("aria-pressed", String(state.rating === "down"));
      // Appending an attached node moves it, and a moved textarea loses the focus: only when missing.
      if (state.stage !== "comment") form.remove();
      else if (form.parentNode !== box) box.append(form);
      thanks.textContent = state.stage === "done" && !state.error ? t.thanks : "";
      error.textContent = state.error ? t.feedbackFailed : "";
    }
    sync();
    return box;
  },

  // `box`: the comment box, which gets the focus after a thumbs-down.
  async rate(bot, rating, sync, box) {
    const state = bot.feedback;
    if (state.rating === rating && !state.error) return;
    state.rating = rating;
    state.stage = rating === "down" ? "comment" : "done";
    state.error = false;
    sync();
    if (rating === "down") box.focus({ preventScroll: true });
    await this.sendFeedback(bot, { rating, comment: null }, sync);
  },

  // `focusAfter`: where the focus goes when the box closes (the thumbs-down), so it is not lost.
  async sendComment(bot, text, sync, focusAfter) {
    const state = bot.feedback;
    const comment = text.trim().slice(0, MAX_COMMENT);
    state.stage = "done";
    sync();
    focusAfter.focus({ preventScroll: true });
    if (comment) await this.sendFeedback(bot, { rating: state.rating || "down", comment }, sync);
    this.save();
  },

  skipComment(bot, sync, focusAfter) {
    bot.feedback.stage = "done";
    sync();
    this.save();
    focusAfter.focus({ preventScroll: true });
  },

  async sendFeedback(bot, body, sync) {
    try {
      await postFeedback(this.cfg.siteKey, { answer_id: bot.answer_id, ...body });
      bot.feedback.error = false;
    } catch (e) {
      bot.feedback.error = true;
    }
    sync();
    this.save();
  },
});
