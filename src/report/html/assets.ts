/**
 * The HTML report's stylesheet and script, inlined into the one file (no network, no CDN).
 * Colours meet WCAG AA contrast on both themes; the theme follows the system unless the reader
 * picks one (kept in localStorage).
 */
export const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--panel:#f6f8fa;
--ok:#1a7f37;--bad:#cf222e;--err:#9a6700;--skip:#57606a;--hit:#fff3b0;--miss:#ffebe9;--band:rgba(130,80,223,.16);
--band-line:#8250df;--link:#0550ae;--lane:#eaeef2;--on-mark:#fff}
:root[data-theme=dark]{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b1;--line:#30363d;--panel:#161b22;--ok:#3fb950;
--bad:#ff7b72;--err:#d29922;--skip:#9da7b1;--hit:#5a4a00;--miss:#5d1a1a;--band:rgba(188,140,255,.2);
--band-line:#bc8cff;--link:#79c0ff;--lane:#21262d;--on-mark:#0d1117}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]){--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b1;
--line:#30363d;--panel:#161b22;--ok:#3fb950;--bad:#ff7b72;--err:#d29922;--skip:#9da7b1;--hit:#5a4a00;--miss:#5d1a1a;
--band:rgba(188,140,255,.2);--band-line:#bc8cff;--link:#79c0ff;--lane:#21262d;--on-mark:#0d1117}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
a{color:var(--link)}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
header,main,.toolbar{max-width:1200px;margin:0 auto;padding:0 16px}
header{padding-top:16px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:0}
h3{font-size:15px;margin:16px 0 6px}
.summary{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;color:var(--muted)}
.counts span{margin-right:10px;font-weight:600}
.toolbar{position:sticky;top:0;z-index:2;background:var(--bg);border-bottom:1px solid var(--line);display:flex;
flex-wrap:wrap;gap:8px 14px;align-items:center;padding-top:8px;padding-bottom:8px}
.toolbar label{display:flex;gap:6px;align-items:center}
.toolbar input[type=search]{min-width:14em}
input,select,button{font:inherit;color:var(--fg);background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:3px 8px}
button{cursor:pointer}
:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.scenario{border:1px solid var(--line);border-radius:8px;margin:16px 0;padding:12px 14px;background:var(--bg)}
.scenario.current{box-shadow:0 0 0 3px var(--link)}
.scenario>header{padding:0;display:flex;flex-wrap:wrap;gap:4px 12px;align-items:baseline}
.meta,.loc{color:var(--muted);font-size:13px}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:13px;font-weight:700;color:#fff}
.badge.passed{background:var(--ok)}.badge.failed{background:var(--bad)}.badge.error{background:var(--err)}.badge.skipped{background:var(--skip)}
:root[data-theme=dark] .badge,.dark .badge{color:#0d1117}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]) .badge{color:#0d1117}}
.ok{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--err)}
.notice{border-left:4px solid var(--err);background:var(--panel);padding:6px 10px;margin:8px 0}
.notice.bad{border-color:var(--bad);color:inherit}
figure{margin:10px 0}
.timeline{overflow-x:auto;border:1px solid var(--line);border-radius:6px;background:var(--panel)}
.timeline svg{display:block}
.timeline text{fill:var(--fg);font:12px system-ui,sans-serif}
.timeline .lane{fill:var(--lane)}
.timeline .band{fill:var(--band);stroke:var(--band-line);stroke-dasharray:4 3}
.timeline .mark-text{fill:var(--on-mark);font-weight:600}
.timeline .turn-ok{fill:var(--ok)}.timeline .turn-bad{fill:var(--bad)}
.timeline a:focus-visible rect{stroke:var(--link);stroke-width:3}
figcaption{color:var(--muted);font-size:13px;margin-top:4px}
.ladder{display:flex;flex-wrap:wrap;gap:6px;list-style:none;padding:0;margin:6px 0}
.ladder li{border:1px solid var(--line);border-radius:6px;padding:2px 8px;background:var(--panel)}
.ladder .kept{border-color:var(--ok)}.ladder .lost{border-color:var(--bad);font-weight:700}
.steps{list-style:none;padding:0;margin:8px 0}
.steps>li{border-top:1px solid var(--line);padding:4px 0}
.steps summary{cursor:pointer}
.steps .disruption{color:var(--muted)}
.turn-body{padding:4px 0 8px 22px}
.expect{list-style:none;padding:0;margin:4px 0}
.prompt{border:1px solid var(--line);border-radius:6px;background:var(--panel);margin:6px 0;padding:6px 8px;overflow-x:auto}
.prompt .msg{white-space:pre-wrap;word-break:break-word;margin:2px 0}
.prompt .role{font-weight:700;margin-right:6px}
mark.hit{background:var(--hit);color:inherit;outline:1px solid var(--err);border-radius:2px}
mark.leak{background:var(--miss);color:inherit;outline:1px solid var(--bad)}
.missing{background:var(--miss);border-left:4px solid var(--bad);padding:4px 8px;margin:4px 0}
.reply{white-space:pre-wrap}
pre.tail{background:var(--panel);padding:6px;border-radius:6px;overflow-x:auto;max-height:20em}
table{border-collapse:collapse;margin:6px 0}
th,td{border:1px solid var(--line);padding:2px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}
.hidden{display:none!important}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:600px){body{font-size:14px}.toolbar{position:static}.turn-body{padding-left:4px}}
`;

/**
 * Filters (failed only, tag, session, worker), a search over prompts, keyboard navigation
 * (j/k or n/p between scenarios, / to search and Escape to leave it, t toggles the theme), and the theme switch.
 * Everything works from the HTML alone; the script only hides and moves focus.
 */
export const SCRIPT = `
(() => {
  const $ = (s, r = document) => r.querySelector(s);
  const $$ = (s, r = document) => [...r.querySelectorAll(s)];
  const root = document.documentElement;
  const saved = localStorage.getItem('amnesia-theme');
  if (saved) root.dataset.theme = saved;
  const themeBtn = $('#theme');
  const label = () => { themeBtn.textContent = 'Theme: ' + (root.dataset.theme || 'system'); };
  themeBtn.addEventListener('click', () => {
    const next = { system: 'dark', dark: 'light', light: 'system' }[root.dataset.theme || 'system'];
    if (next === 'system') { delete root.dataset.theme; localStorage.removeItem('amnesia-theme'); }
    else { root.dataset.theme = next; localStorage.setItem('amnesia-theme', next); }
    label();
  });
  label();
  if (!$('#f-search')) return;
  const failedOnly = $('#f-failed'), tag = $('#f-tag'), session = $('#f-session'), worker = $('#f-worker'), search = $('#f-search');
  const count = $('#f-count');
  function apply() {
    const q = search.value.trim().toLowerCase();
    let shown = 0, total = 0;
    for (const s of $$('.scenario')) {
      total++;
      let ok = !failedOnly.checked || s.dataset.status !== 'passed';
      if (ok && tag.value) ok = (' ' + s.dataset.tags + ' ').includes(' ' + tag.value + ' ');
      let turnsShown = 0;
      for (const t of $$('.turn', s)) {
        let tok = true;
        if (session.value) tok = t.dataset.session === session.value;
        if (tok && worker.value) tok = t.dataset.worker === worker.value;
        if (tok && q) tok = t.textContent.toLowerCase().includes(q);
        t.classList.toggle('hidden', !tok);
        if (tok) turnsShown++;
      }
      if (ok && (session.value || worker.value || q)) ok = turnsShown > 0;
      s.classList.toggle('hidden', !ok);
      if (ok) shown++;
    }
    count.textContent = shown + ' of ' + total + ' scenarios shown';
  }
  for (const el of [failedOnly, tag, session, worker]) el.addEventListener('change', apply);
  search.addEventListener('input', apply);
  search.addEventListener('keydown', (e) => { if (e.key === 'Escape') search.blur(); });
  apply();
  let current = -1;
  function move(d) {
    const visible = $$('.scenario').filter((s) => !s.classList.contains('hidden'));
    if (visible.length === 0) return;
    for (const s of visible) s.classList.remove('current');
    current = Math.max(0, Math.min(visible.length - 1, current + d));
    const s = visible[current];
    s.classList.add('current');
    s.focus();
    s.scrollIntoView({ block: 'start' });
  }
  document.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key === 'j' || e.key === 'n') { move(1); e.preventDefault(); }
    else if (e.key === 'k' || e.key === 'p') { move(-1); e.preventDefault(); }
    else if (e.key === '/') { search.focus(); e.preventDefault(); }
    else if (e.key === 't') themeBtn.click();
  });
  // A link into a turn opens its details.
  function openTarget() {
    const el = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    const d = el && (el.tagName === 'DETAILS' ? el : el.querySelector('details'));
    if (d) d.open = true;
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
})();
`;
