// Filters fold away on a phone, so results come first; on a wide screen they stay open.
(function () {
  var wide = window.matchMedia("(min-width: 60rem)");
  document.querySelectorAll("details.filters-box").forEach(function (box) {
    if (wide.matches || box.dataset.active === "1") box.open = true;
  });
})();
