if (!window.msapPrint) {
  window.msapPrint = true;
  window.addEventListener("beforeprint", () => {
    document.querySelectorAll(".js-plotly-plot .svg-container").forEach(c => {
      const w = c.offsetWidth, h = c.offsetHeight;
      if (!w || !h) return;
      c.dataset.screen = c.getAttribute("style") || "";
      c.querySelectorAll("svg.main-svg").forEach(s => {
        s.setAttribute("viewBox", `0 0 ${w} ${h}`);
        s.setAttribute("preserveAspectRatio", "xMinYMin meet");
        s.style.width = "100%"; s.style.height = "100%";
      });
      c.style.width = "100%"; c.style.height = "auto"; c.style.aspectRatio = `${w} / ${h}`;
    });
  });
  window.addEventListener("afterprint", () => {
    document.querySelectorAll(".js-plotly-plot .svg-container").forEach(c => {
      if (c.dataset.screen === undefined) return;
      c.setAttribute("style", c.dataset.screen);
      delete c.dataset.screen;
      c.querySelectorAll("svg.main-svg").forEach(s => {
        s.removeAttribute("viewBox"); s.removeAttribute("preserveAspectRatio");
        s.style.width = ""; s.style.height = "";
      });
    });
  });
}
