// The widget's styles (shadow DOM, so the page's CSS neither reaches in nor is touched) and the text
// colour that reads on a site's own primary colour.
"use strict";

// `all: initial !important` on the host beats a page's `* { all: unset !important }` (for
// !important rules the shadow tree wins over the page) and cuts inheritance from the page.
// All sizes are px, never rem: the page's root font size must not matter.
const CSS_TEXT = `
:host{all:initial !important;display:block !important;}
*,*::before,*::after{box-sizing:border-box;} [hidden]{display:none !important;}
.root{--ac-primary:#1f5fbf;--ac-on-primary:#fff;--ac-bg:#fff;--ac-fg:#1b1f24;--ac-muted:#5b6470;
  --ac-border:#d0d5dc;--ac-soft:#f1f3f6;--ac-user:#e3edfc;--ac-mark:#ffe97a;--ac-mark-fg:#1b1f24;
  --ac-danger:#b42318;--ac-warn:#8a5a00;color-scheme:light;display:block;color:var(--ac-fg);
  font:400 15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  text-align:start;letter-spacing:normal;word-spacing:normal;overflow-wrap:anywhere;}
@media (prefers-color-scheme:dark){.root{--ac-primary:#7aa7ff;--ac-on-primary:#0b1a33;--ac-bg:#1b1e23;
  --ac-fg:#e7e9ec;--ac-muted:#a3abb6;--ac-border:#3a404a;--ac-soft:#262a31;--ac-user:#22324d;
  --ac-mark:#6b5a00;--ac-mark-fg:#fff8d6;--ac-danger:#ff8a80;--ac-warn:#f2c36b;color-scheme:dark;}}
button{display:inline-flex;align-items:center;justify-content:center;gap:4px;margin:0;padding:0;border:0;
  font:inherit;color:inherit;background:none;cursor:pointer;text-transform:none;}
button:disabled{cursor:default;opacity:.5;} :focus-visible{outline:2px solid var(--ac-primary);outline-offset:2px;}
a.ext{display:inline;color:var(--ac-primary);text-decoration:underline;}
.launcher{position:fixed;z-index:2147483000;bottom:20px;right:20px;width:56px;height:56px;border-radius:50%;
  background:var(--ac-primary);color:var(--ac-on-primary);box-shadow:0 6px 20px rgba(0,0,0,.25);}
.panel{display:flex;flex-direction:column;overflow:hidden;background:var(--ac-bg);color:var(--ac-fg);
  border:1px solid var(--ac-border);border-radius:12px;}
.floating .panel{position:fixed;z-index:2147483001;bottom:88px;right:20px;width:380px;height:600px;
  max-width:calc(100vw - 40px);max-height:calc(100vh - 108px);box-shadow:0 12px 32px rgba(0,0,0,.22);}
.left .launcher,.floating.left .panel{right:auto;left:20px;}
.inline .panel{position:relative;width:100%;height:var(--accords-height,560px);min-height:320px;}
@media (max-width:480px),(max-height:480px){.floating .panel{top:0;left:0;right:0;bottom:0;width:auto;max-width:none;
  height:auto;max-height:none;border:0;border-radius:0;}}
.head{display:flex;flex:0 0 auto;align-items:center;gap:8px;padding:10px 12px;
  border-bottom:1px solid var(--ac-border);}
.title{display:block;flex:1 1 auto;min-width:0;margin:0;font-size:16px;font-weight:600;
  overflow:hidden;text-overflow:ellipsis;white-space:nowrap;}
.tool{height:32px;min-width:32px;padding:0 8px;border-radius:6px;font-size:13px;color:var(--ac-muted);
  white-space:nowrap;} .tool:hover{background:var(--ac-soft);color:var(--ac-fg);}
.view{display:flex;flex-direction:column;flex:1 1 auto;min-height:0;}
.log{display:block;flex:1 1 auto;min-height:0;overflow-y:auto;overscroll-behavior:contain;padding:12px;}
.msg{display:flex;flex-direction:column;align-items:flex-start;margin:0 0 14px;}
.bubble{display:block;max-width:92%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;
  overflow-wrap:anywhere;background:var(--ac-soft);}
.msg.user{align-items:flex-end;} .user .bubble{background:var(--ac-user);}
.not-found .bubble{background:transparent;border:1px dashed var(--ac-border);color:var(--ac-muted);}
.label{display:flex;align-items:center;gap:6px;margin:0 0 4px;font-size:13px;font-weight:600;color:var(--ac-muted);}
.label-icon{display:inline-block;position:relative;width:16px;height:16px;border:2px solid;border-radius:50%;}
.label-icon::after{content:"";position:absolute;left:5px;top:-2px;width:2px;height:16px;
  background:currentColor;transform:rotate(45deg);}
.chip{display:inline-flex;vertical-align:baseline;min-width:22px;height:20px;padding:0 6px;margin:0 1px;
  border:1px solid var(--ac-primary);border-radius:10px;color:var(--ac-primary);background:var(--ac-bg);
  font-size:12px;font-weight:600;line-height:18px;white-space:nowrap;}
.chip:hover{background:var(--ac-primary);color:var(--ac-on-primary);}
.unsupported .said{text-decoration:underline dotted var(--ac-warn);text-underline-offset:3px;}
.flag{display:inline;margin:0 2px;font-size:12px;font-style:italic;color:var(--ac-warn);}
.notice{display:block;max-width:92%;margin:6px 0 0;font-size:13px;color:var(--ac-muted);}
.notice.error{color:var(--ac-danger);}
.typing{display:flex;align-items:center;gap:8px;font-size:14px;color:var(--ac-muted);}
.dots{display:inline-flex;gap:3px;} .dots span{display:block;width:6px;height:6px;border-radius:50%;
  background:currentColor;animation:ac-blink 1.2s infinite ease-in-out;}
.dots span:nth-child(2){animation-delay:.2s;} .dots span:nth-child(3){animation-delay:.4s;}
@keyframes ac-blink{0%,80%,100%{opacity:.25}40%{opacity:1}}
@media (prefers-reduced-motion:reduce){.dots span{animation:none;}}
.sources{display:block;max-width:92%;margin:8px 0 0;font-size:13px;}
.sources-title{display:block;margin:0 0 4px;font-size:12px;font-weight:600;color:var(--ac-muted);
  text-transform:uppercase;letter-spacing:.04em;}
.sources ol{display:block;margin:0;padding:0;list-style:none;} .sources li{display:block;margin:0 0 4px;}
.src-open{display:inline;text-align:start;font-weight:500;color:var(--ac-fg);text-decoration:underline;}
.src-meta{color:var(--ac-muted);}
.closest{display:block;max-width:92%;margin:8px 0 0;padding:2px 0 2px 10px;font-size:13px;color:var(--ac-muted);
  border-left:2px dashed var(--ac-border);}
.closest-title{display:block;margin:0 0 2px;font-size:12px;font-weight:600;color:var(--ac-muted);
  text-transform:uppercase;letter-spacing:.04em;}
.closest-note{display:block;margin:0 0 4px;font-size:12px;font-style:italic;}
.closest ul{display:block;margin:0;padding:0;list-style:none;} .closest li{display:block;margin:0 0 4px;}
.closest-open{display:inline;text-align:start;color:var(--ac-muted);text-decoration:underline dotted;}
.closest-open:hover{color:var(--ac-fg);}
.closest-passage .p-text{border-left:3px dashed var(--ac-border);}
.composer{display:flex;flex:0 0 auto;align-items:flex-end;gap:8px;padding:10px;
  border-top:1px solid var(--ac-border);}
textarea{display:block;flex:1 1 auto;min-width:0;height:42px;min-height:42px;max-height:140px;margin:0;
  padding:9px 10px;resize:none;font:inherit;font-size:16px;line-height:22px;color:var(--ac-fg);
  background:var(--ac-bg);border:1px solid var(--ac-border);border-radius:8px;}
.send,.stop{flex:0 0 auto;height:42px;padding:0 14px;border-radius:8px;font-weight:600;}
.send{background:var(--ac-primary);color:var(--ac-on-primary);} .stop{border:1px solid var(--ac-border);}
.passage{display:block;flex:1 1 auto;min-height:0;overflow-y:auto;padding:12px 14px;}
.back{height:32px;margin:0 0 10px;padding:0 10px;border:1px solid var(--ac-border);border-radius:6px;}
.p-title{display:block;margin:0 0 4px;font-size:16px;font-weight:600;}
.p-meta,.p-note{display:block;margin:0 0 8px;font-size:13px;color:var(--ac-muted);}
.p-text{display:block;margin:0 0 10px;padding:10px 12px;white-space:pre-wrap;overflow-wrap:anywhere;
  background:var(--ac-soft);border-left:3px solid var(--ac-primary);border-radius:4px;}
mark{padding:0 1px;border-radius:2px;background:var(--ac-mark);color:var(--ac-mark-fg);}
.p-links{display:flex;flex-wrap:wrap;gap:4px 12px;margin:0;font-size:14px;}
.fb{display:block;max-width:92%;margin:6px 0 0;}
.feedback{display:flex;align-items:center;gap:4px;font-size:13px;color:var(--ac-muted);}
.thumb{width:30px;height:28px;border:1px solid transparent;border-radius:6px;color:var(--ac-muted);}
.thumb svg{width:16px;height:16px;} .thumb:hover{background:var(--ac-soft);color:var(--ac-fg);}
.thumb[aria-pressed=true]{border-color:var(--ac-primary);color:var(--ac-primary);background:var(--ac-soft);}
.fb-thanks{margin-inline-start:4px;} .fb-error{margin-inline-start:4px;color:var(--ac-danger);}
.fb-comment{display:flex;flex-direction:column;gap:4px;margin:6px 0 0;font-size:13px;}
.fb-comment label{color:var(--ac-muted);}
.fb-comment textarea{height:auto;min-height:52px;font-size:14px;line-height:20px;}
.fb-actions{display:flex;gap:6px;}
.fb-send,.fb-skip{height:30px;padding:0 10px;border-radius:6px;font-size:13px;border:1px solid var(--ac-border);}
.fb-send{background:var(--ac-primary);color:var(--ac-on-primary);border-color:var(--ac-primary);}
.sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;}
`;

let sharedSheet = null;
function applyStyles(shadow) {
  // A constructed stylesheet is not blocked by the page's CSP; <style> is the fallback.
  try {
    if (!sharedSheet) {
      sharedSheet = new CSSStyleSheet();
      sharedSheet.replaceSync(CSS_TEXT);
    }
    shadow.adoptedStyleSheets = [sharedSheet];
  } catch (e) {
    shadow.append(h("style", { text: CSS_TEXT }));
  }
}

// Black or white text on the primary colour, whichever reads better.
function textColorOn(parent, color) {
  const probe = h("span", { hidden: true });
  probe.style.color = color;
  parent.append(probe);
  const rgb = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(getComputedStyle(probe).color);
  probe.remove();
  if (!rgb) return "#fff";
  const [r, g, b] = rgb.slice(1, 4).map(Number);
  return (r * 299 + g * 587 + b * 114) / 1000 > 160 ? "#111" : "#fff"; // perceived brightness
}
