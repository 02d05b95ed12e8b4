// A part of a page drawn after the rest (blocks.when_shown): drawn with the page when it was on screen, otherwise
// when its place comes on screen, or when the page has been still for a moment (so that it is ready before anyone
// scrolls or prints). It tells the server, never while a script run is going on (a région just chosen comes first):
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
  let known = data.ecran, onScreen = data.ecran, done = false, timer = null;
  const tell = () => {  // the part's state sent once no run is going on: seen for this view, on screen or not
    clearTimeout(timer);
    if (done) return;
    const wait = turn.free - performance.now();
    if (running() || wait > 0) { timer = setTimeout(tell, Math.max(wait, 100)); return; }
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
    timer = setTimeout(tell, data.delai);
  }
  const printing = () => { if (!data.dessine) tell(); };  // a print begun now: drawn for the next one, at once
  window.addEventListener("beforeprint", printing);
  const end = () => {
    done = true; watch.disconnect(); keep?.disconnect(); clearTimeout(timer);
    window.removeEventListener("beforeprint", printing);
    if (calls[data.bloc] === end) delete calls[data.bloc];
  };
  calls[data.bloc] = end;
  return end;
}
