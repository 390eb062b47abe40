// On a wide screen the filters panel stays open beside the results (site.css shows it open even
// without this script); this keeps the disclosure's state, as assistive technology reports it, true,
// and takes its summary, which then does nothing, out of the tab order.
(function () {
  document.querySelectorAll("details[data-filters]").forEach(function (panel) {
    var wide = window.matchMedia(panel.getAttribute("data-filters"));
    var summary = panel.querySelector("summary");
    var follow = function () {
      if (wide.matches) panel.open = true;
      summary.tabIndex = wide.matches ? -1 : 0;
    };
    follow();
    wide.addEventListener("change", follow);
    summary.addEventListener("click", function (event) {
      if (wide.matches) event.preventDefault();
    });
  });
})();
