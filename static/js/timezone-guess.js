// Sign-up starts from the browser's own time zone, so that a new member's times (and the
// limits' "try again at") are right from the first page; they can still pick another.
(function () {
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) return;
  document.querySelectorAll("select[data-guess-timezone]").forEach(function (select) {
    if (select.value !== "UTC") return; // chosen already, or sent back with an error
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === zone) {
        select.value = zone;
        return;
      }
    }
  });
})();
