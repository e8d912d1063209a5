// One question, one answer: the streamed request, its events, and what to say when it fails.
"use strict";

const IDLE_TIMEOUT_MS = 60000; // abort when the service sends no byte for this long (t.timeout says it)
const STATUS_TIMEOUT_MS = 10000;

// A failed response in words for the reader (`t`: the widget's strings): the service's own `detail` when
// it gave one, except that a widget in another language than English says the errors it knows (by code)
// in its own words.
async function httpErrorMessage(response, t) {
  const body = await response.json().catch(() => null);
  const own = body && CODE_STRINGS[str(body.code)];
  if (own && t.lang !== "en") return t[own];
  let detail = body && body.detail;
  if (Array.isArray(detail)) {
    // FastAPI validation errors (422): [{ "msg": "...", ... }]
    detail = detail.map((d) => (d && typeof d === "object" ? str(d.msg) : str(d))).filter(Boolean).join("; ");
  }
  detail = str(detail);
  if (response.status === 429) {
    let seconds = retryAfterSeconds(response.headers.get("Retry-After"));
    if (seconds == null && body) seconds = intOrNull(body.retry_after);
    return fill(t.tooMany, { wait: seconds == null ? t.aMoment : fill(t.seconds, { seconds }) });
  }
  if (response.status === 403) return detail || t.notAllowed;
  if (response.status >= 500) return t.unavailable;
  return detail || fill(t.requestFailed, { status: response.status });
}

// fetch() rejects without saying why: the service may be down, or it refused this page's origin
// (CORS). The status endpoint answers every origin, so ask it which one it is.
async function diagnoseNetworkFailure(siteKey, t) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), STATUS_TIMEOUT_MS);
  try {
    const response = await fetch(`${ORIGIN}/widget/status?site_key=${encodeURIComponent(siteKey || "")}`, {
      mode: "cors", credentials: "omit", cache: "no-store", signal: controller.signal,
    });
    const body = await response.json();
    if (body && body.origin_allowed === false) {
      return (t.lang === "en" && str(body.message)) || t.notAllowed;
    }
    if (response.ok) return t.connectionFailed;
  } catch (e) {
    // fall through: the service itself is unreachable
  } finally {
    clearTimeout(timer);
  }
  return t.unreachable;
}

Object.assign(ChatWidget.prototype, {
  async ask(question) {
    this.closePassage();
    const user = { role: "user", text: question };
    const bot = { role: "assistant", answer: "", sources: [], found: true, degraded: false,
      degraded_reason: null, unsupported: [], notices: [], pending: true };
    this.messages.push(user, bot);
    const botNode = this.renderMessage(bot);
    this.log.append(this.renderMessage(user), botNode);
    this.log.scrollTop = this.log.scrollHeight;
    const update = () => {
      // Follow the answer as it grows, unless the reader has scrolled up.
      const log = this.log;
      const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 120;
      this.fillAssistant(botNode, bot);
      if (stick) log.scrollTop = log.scrollHeight;
    };
    const request = { controller: new AbortController(), reason: null };
    this.request = request;
    this.sendButton.disabled = true;
    this.stopButton.hidden = false;
    this.save();
    let timer = null;
    const timeout = () => ((request.reason = "timeout"), request.controller.abort());
    const kick = () => (clearTimeout(timer), (timer = setTimeout(timeout, IDLE_TIMEOUT_MS)));
    let gotBytes = false;
    kick();
    try {
      const headers = { "Content-Type": "application/json", Accept: "text/event-stream" };
      if (this.cfg.siteKey) headers["X-Accords-Site-Key"] = this.cfg.siteKey;
      const response = await fetch(`${ORIGIN}/chat/stream`, {
        method: "POST", mode: "cors", credentials: "omit", cache: "no-store", headers,
        body: JSON.stringify({ question, conversation_id: this.conversationId || undefined }),
        signal: request.controller.signal,
      });
      kick();
      if (!response.ok) {
        bot.notices.push({ kind: "error", text: await httpErrorMessage(response, this.t) });
      } else if (/application\/json/.test(response.headers.get("Content-Type") || "")) {
        this.applyDone(bot, await response.json()); // tolerated: a plain JSON answer, shaped like `done`
      } else {
        const onEvent = (event) => (this.handleEvent(bot, event), update());
        await readEventStream(response.body, onEvent, () => ((gotBytes = true), kick()));
        if (!bot.done && !bot.notices.length) {
          const text = bot.answer ? this.t.incomplete : this.t.noAnswer;
          bot.notices.push({ kind: "error", text });
        }
      }
    } catch (err) {
      const notice = await this.failureNotice(request.reason, gotBytes);
      if (notice) bot.notices.push(notice);
    } finally {
      clearTimeout(timer);
      this.request = null;
      bot.pending = false;
      this.sendButton.disabled = false;
      this.stopButton.hidden = true;
      if (request.reason !== "reset") {
        update();
        this.save();
      }
    }
  },

  // Why a request ended early, in words; none after "New chat", whose answer is gone anyway.
  async failureNotice(reason, gotBytes) {
    const error = (text) => ({ kind: "error", text });
    if (reason === "reset") return null;
    if (reason === "stop") return { kind: "info", text: this.t.stopped };
    if (reason === "timeout") return error(fill(this.t.timeout, { seconds: IDLE_TIMEOUT_MS / 1000 }));
    if (gotBytes) return error(this.t.connectionLost);
    return error(await diagnoseNetworkFailure(this.cfg.siteKey, this.t));
  },

  handleEvent(bot, event) {
    let payload;
    try {
      payload = JSON.parse(event.data);
    } catch (e) {
      return; // one malformed event must not kill an answer that is otherwise fine
    }
    if (event.type === "sources") bot.sources = normalizeSources(payload, this.t.untitled);
    else if (event.type === "delta") bot.answer += str(payload && payload.text);
    else if (event.type === "done") this.applyDone(bot, payload);
    else if (event.type === "error") {
      const message = payload && str(payload.message);
      bot.notices.push({ kind: "error", text: message || this.t.answerFailed });
    }
  },

  // The `done` payload is authoritative: it replaces whatever the deltas built up.
  applyDone(bot, payload) {
    if (!payload || typeof payload !== "object") return;
    bot.done = true;
    if (typeof payload.answer === "string") bot.answer = payload.answer;
    bot.found = payload.found !== false;
    bot.degraded = payload.degraded === true;
    bot.degraded_reason = str(payload.degraded_reason) || null;
    bot.unsupported = Array.isArray(payload.unsupported) ? payload.unsupported.filter(Number.isInteger) : [];
    bot.sentences = normalizeSentences(payload.sentences);
    if (Array.isArray(payload.sources)) bot.sources = normalizeSources(payload.sources, this.t.untitled);
    // What a rating refers to (POST /feedback); an answer without one gets no thumbs.
    bot.answer_id = str(payload.answer_id) || null;
    if (typeof payload.conversation_id === "string" && payload.conversation_id) {
      this.conversationId = payload.conversation_id;
    }
  },
});
