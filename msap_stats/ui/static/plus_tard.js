// A part of a page drawn after the rest (blocks.when_shown): when its place comes on screen, or when the page has
// been still for a moment (so that it is ready before anyone scrolls or prints). It says « seen » once per view
// (``data.cle``, the filters of the run that mounted it), never while a script run is going on (a région just
// chosen comes first). Its place (``data.bloc``: the part's container, text as tall as the part) is drawn by the
// page itself, so that the page keeps its height, and the reader's place, while a run replaces the part; once the
// part has been drawn, that text is as tall as the part was on this screen.
export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const place = parentElement.closest(`.${data.bloc}`);
  if (!place) return;
  const line = place.querySelector(".plus-tard");
  if (data.dessine) {
    // The part drawn: its height, whatever the screen's width, kept on the waiting line (hidden meanwhile), which
    // holds as much when a run puts it back.
    const keep = new ResizeObserver(() => {
      if (line) line.style.minHeight = `${Math.round(place.getBoundingClientRect().height)}px`;
    });
    keep.observe(place);
    return () => keep.disconnect();
  }
  let done = false, timer = null;
  const running = () =>
    document.querySelector("[data-testid='stApp']")?.getAttribute("data-test-script-state") === "running";
  const draw = () => {
    if (done) return;
    if (running()) { clearTimeout(timer); timer = setTimeout(draw, 100); return; }
    done = true;
    setStateValue("vu", data.cle);
  };
  const seen = new IntersectionObserver(entries => { if (entries.some(e => e.isIntersecting)) draw(); });
  seen.observe(place);
  timer = setTimeout(draw, data.delai);
  return () => { done = true; seen.disconnect(); clearTimeout(timer); };
}
