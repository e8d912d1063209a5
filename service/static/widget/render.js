// Drawing a conversation: messages, answers with citation chips, sources (or, when the documents do
// not answer, the closest passages), and the passage view that highlights what an answer cites. Data
// only ever goes in as text (see `h` in dom.js); text from the documents or the reader gets dir="auto",
// so a right-to-left answer or passage reads in its own direction whatever the widget's language.
"use strict";

let closestLists = 0; // ids for the "Closest passages" headings that label their lists

// The passage on the service itself (the exact character range), when the source says where it is.
function passageLink(source) {
  if (!source.document_id || source.start == null || source.end == null) return null;
  const id = encodeURIComponent(source.document_id);
  return `${ORIGIN}/documents/${id}/text?start=${source.start}&end=${source.end}`;
}

Object.assign(ChatWidget.prototype, {
  renderMessage(msg) {
    if (msg.role === "user") {
      return h("div", { class: "msg user" }, [h("span", { class: "sr", text: this.t.you }),
        h("div", { class: "bubble", dir: "auto", text: str(msg.text) })]);
    }
    const node = h("div", { class: "msg bot" });
    this.fillAssistant(node, msg);
    return node;
  },

  fillAssistant(node, bot) {
    const t = this.t;
    // aria-busy keeps screen readers from re-reading the answer at every streamed piece.
    node.setAttribute("aria-busy", String(!!bot.pending));
    const notFound = bot.found === false;
    node.classList.toggle("not-found", notFound);
    const byId = {};
    // Not found: the sources are the closest passages, never citations, so no [n] becomes a chip.
    if (!notFound) for (const s of bot.sources || []) byId[s.id] = s;
    const parts = [];
    if (notFound) {
      parts.push(h("div", { class: "label" }, [h("span", { class: "label-icon", "aria-hidden": "true" }),
        t.notFound]));
    }
    if (bot.answer) {
      parts.push(this.renderAnswer(bot, byId));
    } else if (bot.pending) {
      parts.push(h("div", { class: "bubble typing" }, [
        h("span", { class: "dots", "aria-hidden": "true" }, [h("span"), h("span"), h("span")]),
        t.searching,
      ]));
    }
    if (bot.degraded) {
      const said = bot.degraded_reason ? fill(t.degradedReason, { reason: bot.degraded_reason }) : t.degraded;
      parts.push(h("p", { class: "notice degraded", text: said }));
    }
    for (const n of bot.notices || []) {
      const role = n.kind === "error" ? "alert" : null;
      parts.push(h("p", { class: `notice ${n.kind}`, role, text: n.text }));
    }
    if (!bot.pending) parts.push(notFound ? this.renderClosest(bot) : this.renderSources(bot, byId));
    if (!bot.pending && bot.answer_id) parts.push(this.renderFeedback(bot));
    node.replaceChildren(...parts.filter(Boolean));
  },

  // The answer sentence by sentence (so `unsupported` indexes can be marked), its [n] markers
  // turned into citation chips when n is one of this answer's sources, plain text otherwise.
  renderAnswer(bot, byId) {
    const container = h("div", { class: "bubble answer", dir: "auto" });
    const unsupported = bot.pending ? [] : bot.unsupported || [];
    const cited = citedTexts(bot.answer, bot.sentences);
    const spans = citedSpans(bot.answer, bot.sentences);
    let offset = 0;
    for (const run of answerRuns(bot.answer, bot.sentences)) {
      const said = h("span", { class: "said" });
      let last = 0;
      for (const m of findMarkers(run.text)) {
        if (!byId[m.id]) continue;
        const cite = { text: cited[offset + m.index], span: spans[offset + m.index] };
        said.append(run.text.slice(last, m.index), this.renderChip(byId[m.id], cite));
        last = m.index + m.length;
      }
      said.append(run.text.slice(last));
      offset += run.text.length;
      if (run.index == null) {
        container.append(...said.childNodes); // between sentences: no sentence of its own
        continue;
      }
      const sentence = h("span", { class: "sentence" }, [said]);
      if (unsupported.includes(run.index)) {
        sentence.classList.add("unsupported");
        sentence.title = this.t.unsupported;
        sentence.append(h("span", { class: "flag", text: this.t.unsupportedFlag }));
      }
      container.append(sentence);
    }
    return container;
  },

  renderChip(source, cite) {
    const chip = h("button", {
      type: "button", class: "chip", text: String(source.id),
      "aria-label": fill(this.t.chipLabel, { id: source.id, title: source.title }),
      onclick: () => this.openPassage(source, chip, cite),
    });
    return chip;
  },

  // Cited sources in order of first citation; all sources when the answer cites none.
  renderSources(bot, byId) {
    const order = [];
    const firstCited = {};
    const cited = citedTexts(bot.answer, bot.sentences);
    const spans = citedSpans(bot.answer, bot.sentences);
    for (const m of findMarkers(bot.answer)) {
      if (!byId[m.id] || order.includes(m.id)) continue;
      order.push(m.id);
      firstCited[m.id] = { text: cited[m.index], span: spans[m.index] };
    }
    const sources = order.length ? order.map((id) => byId[id]) : bot.sources || [];
    if (!sources.length) return null;
    const items = sources.map((s) => {
      const href = safeHttpUrl(s.url);
      const button = h("button", {
        type: "button", class: "src-open", text: `[${s.id}] ${s.title}`, dir: "auto",
        "aria-label": fill(this.t.showSource, { id: s.id, title: s.title }),
        onclick: () => this.openPassage(s, button, firstCited[s.id]),
      });
      return h("li", {}, [button, s.date && h("span", { class: "src-meta", text: ` · ${s.date}` }),
        href && " · ", href && externalLink(href, this.t.original)]);
    });
    const heading = h("h3", { class: "sources-title", text: this.t.sources });
    return h("div", { class: "sources" }, [heading, h("ol", {}, items)]);
  },

  // When the documents do not answer: the passages that came closest, set apart from citations (no
  // numbers, no chips, muted, their own label), each opening in the passage view.
  renderClosest(bot) {
    const sources = bot.sources || [];
    if (!sources.length) return null;
    const headingId = `accords-closest-${++closestLists}`;
    const items = sources.map((s) => {
      const button = h("button", {
        type: "button", class: "closest-open", text: s.title, dir: "auto",
        "aria-label": fill(this.t.showClosest, { title: s.title }),
        onclick: () => this.openPassage(s, button, { closest: true }),
      });
      // The section (a heading's last " > " part) tells apart two passages of one document.
      const section = stripHeadingMarks(s.heading || "").text.split(" > ").pop().trim();
      const meta = [s.date, section !== s.title && section].filter(Boolean).join(" · ");
      return h("li", {}, [button, meta && h("span", { class: "src-meta", text: ` · ${meta}` })]);
    });
    return h("div", { class: "closest" }, [
      h("h3", { class: "closest-title", id: headingId, text: this.t.closest }),
      h("p", { class: "closest-note", text: this.t.closestNote }),
      h("ul", { "aria-labelledby": headingId }, items),
    ]);
  },

  // ---------------------------------------------------------------- passage view

  // `cite`: the sentence that cites the passage ({text}) and where the server says it quotes it
  // ({span}: offsets in source.text), or {closest: true} for a passage that came closest to an
  // unanswered question. Heading marks never show; the highlight is mapped past them.
  openPassage(source, opener, cite) {
    const t = this.t;
    const { text: citedText = "", span = null, closest = false } = cite || {};
    this.opener = opener || null;
    this.logScroll = this.log.scrollTop; // display:none forgets the scroll position
    const shown = source.text ? passageDisplay(source.text, closest ? "" : citedText, closest ? null : span) : null;
    const text = shown ? shown.text : "";
    const mark = shown && shown.mark;
    const body = h("blockquote", { class: "p-text", dir: "auto" });
    if (mark) {
      const highlighted = h("mark", { text: text.slice(mark.start, mark.end) });
      body.append(text.slice(0, mark.start), highlighted, text.slice(mark.end));
    } else {
      body.textContent = text || t.noPassage;
    }
    const page = source.page != null ? fill(t.page, { page: source.page }) : "";
    const heading = stripHeadingMarks(source.heading || "").text;
    const meta = [source.date, heading, page, source.kind].filter(Boolean).join(" · ");
    const original = safeHttpUrl(source.url);
    const exact = passageLink(source);
    const note = closest ? t.closestPassageNote : mark ? t.highlighted : citedText ? t.notLocated : t.wholePassage;
    const title = h("h3", { class: "p-title", tabindex: "-1", dir: "auto", text: source.title });
    const content = h("div", {
      class: closest ? "passage closest-passage" : "passage", role: "document",
      "aria-label": closest ? fill(t.closestLabel, { title: source.title }) : fill(t.sourceLabel, { id: source.id }),
    }, [
      h("button", {
        type: "button", class: "back", text: t.back, onclick: () => this.closePassage(),
      }),
      title,
      meta && h("p", { class: "p-meta", text: meta }),
      h("p", { class: "p-note", text: note }),
      body,
      h("p", { class: "p-links" }, [original && externalLink(original, t.openOriginal),
        exact && externalLink(exact, t.onService)]),
    ]);
    this.passageView.replaceChildren(content);
    this.chatView.hidden = true;
    this.passageView.hidden = false;
    // Scroll only inside the panel: focus() or scrollIntoView() could also move the host page.
    title.focus({ preventScroll: true });
    const marked = content.querySelector("mark");
    if (marked) content.scrollTop = marked.offsetTop - content.offsetTop - content.clientHeight / 3;
  },

  closePassage() {
    if (this.passageView.hidden) return;
    this.passageView.hidden = true;
    this.passageView.replaceChildren();
    this.chatView.hidden = false;
    this.log.scrollTop = this.logScroll || 0;
    const opener = this.opener;
    this.opener = null;
    (opener && opener.isConnected ? opener : this.input).focus();
  },
});
