// A part of a page drawn after the rest (blocks.when_shown): drawn with the page when it was on screen, otherwise
// when its place comes on screen, or when the page has been still for a moment, the reader doing nothing (so that it
// is ready before anyone scrolls or prints, and no part elsewhere comes under a reader tabbing through the page).
// It tells the server, never while a script run is going on (a région just chosen comes first):
// « seen » once per view (``data.cle``, the filters of the run that mounted it), and whether the part is on screen
// when that changes (``data.ecran``: what the server knows), so that the next view draws at once what the reader
// is looking at, and only that. Its place (``data.bloc``: the part's container, a line of text laid at its top) is
// drawn by the page itself, as tall as the part was on this screen, so that the page keeps its height, and the
// reader's place, while a run replaces the part.
export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const place = parentElement.closest(`.${data.bloc}`);
  if (!place) return;
  // Streamlit calls this again when its data change (a new view) without ending the previous call: ended here, so
  // that no observer or timer of an older view is left to speak for it.
  const calls = (window.msapPlusTard ??= {});
  calls[data.bloc]?.();
  const running = () =>
    document.querySelector("[data-testid='stApp']")?.getAttribute("data-test-script-state") === "running";
  // The parts speak one after the other: Streamlit sends the states set in one turn together, with one fragment
  // to run again, and the other part would not be drawn.
  const turn = (window.msapPlusTardTour ??= { free: 0 });
  const keys = (window.msapPlusTardClavier ??= holdTabs());
  // A reader tabbing through another part: this one waits for the focus (its line holds the Tab) or for the keys
  // to rest. Its run coming meanwhile (its place scrolled into view by the focus) made the next Tab leave the part
  // the reader was in, its last controls unreached.
  const elsewhere = () => {
    const active = document.activeElement;
    return performance.now() - keys.tabAt < 1000 && !!active && !place.contains(active)
      && !!active.closest("[class*='st-key-place_plus_tard_']");
  };
  let known = data.ecran, onScreen = data.ecran, done = false, timer = null;
  const tell = () => {  // the part's state sent once no run is going on: seen for this view, on screen or not
    clearTimeout(timer);
    if (done) return;
    const wait = turn.free - performance.now();
    if (running() || wait > 0 || elsewhere()) { timer = setTimeout(tell, Math.max(wait, 100)); return; }
    if (data.dessine && onScreen === known) return;
    known = onScreen;
    if (!data.dessine) done = true;
    turn.free = performance.now() + 250;  // by then the run it asks for is going on: the next one waits for its end
    setStateValue("etat", { vu: data.cle, ecran: onScreen });
  };
  const watch = new IntersectionObserver(entries => {
    onScreen = entries[entries.length - 1].isIntersecting;
    if (onScreen || (data.dessine && onScreen !== known)) tell();
  });
  watch.observe(place);
  let keep = null;
  if (data.dessine) {
    // The part drawn: its height, whatever the screen's width, kept for its place while a run puts the waiting
    // line back. Measured only with the whole part there (its end mark): the place then holds the part alone.
    keep = new ResizeObserver(() => {
      if (place.querySelector(".plus-tard-fin"))
        place.style.setProperty("--hauteur-mesuree", `${Math.round(place.getBoundingClientRect().height)}px`);
    });
    keep.observe(place);
  } else {
    const still = (window.msapPlusTardCalme ??= stillness());
    const rest = () => {  // the page still for ``data.delai`` (a reader tabbing or scrolling is not): the part is told
      const left = still.since + data.delai - performance.now();
      if (left > 0) timer = setTimeout(rest, left);
      else tell();
    };
    timer = setTimeout(rest, data.delai);
  }
  const printing = () => { if (!data.dessine) tell(); };  // a print begun now: drawn for the next one, at once
  window.addEventListener("beforeprint", printing);
  // The keyboard: while the part waits, its line is a stop of the Tab key (blocks.when_shown). The focus on it
  // goes, once the part has come, to the part's first control (its last, for a reader coming from below), and a
  // Tab pressed meanwhile is held (HOLD_MS at most): a reader tabbing fast does not pass over controls that were
  // not there yet, nor lose the focus with the line.
  const waiting = event => !("pret" in place.dataset) && event.target.closest?.(".plus-tard");  // the line shown
  const onFocus = event => {
    if (!waiting(event)) return;
    // coming back up: by Shift+Tab (the focus may come from outside the page, round its end), or from below
    const below = event.relatedTarget && place.compareDocumentPosition(event.relatedTarget) & Node.DOCUMENT_POSITION_FOLLOWING;
    const byKey = performance.now() - keys.tabAt < 1000;
    Object.assign(keys, { bloc: data.bloc, back: byKey ? keys.tabBack : !!below, until: performance.now() + HOLD_MS });
    onScreen = true;
    tell();
  };
  const onBlur = event => {  // the reader gone elsewhere (a line that leaves takes the focus to nothing)
    if (event.relatedTarget && keys.bloc === data.bloc) keys.bloc = null;
  };
  const onKey = event => {  // held from the moment the focus came on the line, never longer (HOLD_MS)
    if (event.key !== "Tab" || !waiting(event) || keys.bloc !== data.bloc || performance.now() > keys.until) return;
    event.preventDefault();
    keys.back = event.shiftKey;
  };
  place.addEventListener("focusin", onFocus);
  place.addEventListener("focusout", onBlur);
  place.addEventListener("keydown", onKey);
  // The part come: once whole and its charts drawn, its line leaves (style.css) and a Tab held for it goes on.
  let arrived = null;
  if (data.dessine) {
    const come = () => {
      if (!place.querySelector(".plus-tard-fin") || !chartsDrawn(place)) return false;
      place.dataset.pret = "";
      if (keys.bloc === data.bloc) {
        keys.bloc = null;
        handOver(place, keys.back);
      }
      return true;
    };
    if (!come()) {
      arrived = new MutationObserver(() => { if (come()) arrived.disconnect(); });
      arrived.observe(place, { childList: true, subtree: true });
    }
  } else {
    delete place.dataset.pret;
  }
  const end = () => {
    done = true; watch.disconnect(); keep?.disconnect(); arrived?.disconnect(); clearTimeout(timer);
    window.removeEventListener("beforeprint", printing);
    place.removeEventListener("focusin", onFocus);
    place.removeEventListener("focusout", onBlur);
    place.removeEventListener("keydown", onKey);
    if (calls[data.bloc] === end) delete calls[data.bloc];
  };
  calls[data.bloc] = end;
  return end;
}

const HOLD_MS = 3000;
const STOPS = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), "
  + "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

// Once for the whole page: Tabs pressed while a part is awaited, the focus on its line or lost with it (the line
// leaves as the part comes), held; the direction of the last Tab (the focus that comes round the page's end has
// no element it came from); a click or a touch ends the wait (the reader has gone elsewhere).
function holdTabs() {
  const keys = { bloc: null, back: false, until: 0, tabAt: -Infinity, tabBack: false };
  window.addEventListener("keydown", event => {
    if (event.key !== "Tab") return;
    Object.assign(keys, { tabAt: performance.now(), tabBack: event.shiftKey });
    const active = document.activeElement;
    if (keys.bloc && performance.now() < keys.until
        && (!active || active === document.body || active.closest(".plus-tard"))) event.preventDefault();
  }, true);
  window.addEventListener("pointerdown", () => { keys.bloc = null; }, true);
  return keys;
}

// Once for the whole page: when the reader last did something (a key, a click, a wheel, a touch); a part that waits
// for the page's rest waits as long again after it.
function stillness() {
  const still = { since: performance.now() };
  for (const kind of ["keydown", "pointerdown", "wheel", "touchmove"])
    window.addEventListener(kind, () => { still.since = performance.now(); }, { capture: true, passive: true });
  return still;
}

function chartsDrawn(place) {
  return [...place.querySelectorAll("[data-testid='stPlotlyChart']")].every(chart => chart.querySelector(".main-svg"));
}

// The focus, left on the line or lost with it, given to the part's first stop of the Tab key (its last, going
// back); a part without any: the page's next one after it (before it). A reader gone elsewhere keeps their place.
function handOver(place, back, frames = 60) {
  const active = document.activeElement;
  if (active && active !== document.body && !active.closest(".plus-tard")) return;
  const stops = [...document.querySelectorAll(STOPS)].filter(e => !e.closest(".plus-tard") && e.getClientRects().length);
  const inside = stops.filter(e => place.contains(e));
  const after = stops.filter(e => !place.contains(e) && place.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING);
  const before = stops.filter(e => !place.contains(e) && place.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_PRECEDING);
  const target = inside.length ? (back ? inside.at(-1) : inside[0]) : (back ? before.at(-1) : after[0]);
  target?.focus();
  // a chart just drawn is hidden for a frame or two (plotly): its controls take no focus yet, asked again
  if (target && document.activeElement !== target && frames > 0)
    requestAnimationFrame(() => handOver(place, back, frames - 1));
}
