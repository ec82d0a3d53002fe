"use strict";
// Booking calendar: without this file the page shows times in the host's zone and
// the zone picker is a plain form. With it, the visitor's own zone is used when the
// address names none, and picking a zone shows its times at once.
(() => {
  function zoneOption(select, zone) {
    return [...select.options].find(
      (option) => option.value === zone || (option.dataset.aliases || "").split(" ").includes(zone),
    );
  }

  function start() {
    const page = document.querySelector("[data-booking-calendar]");
    if (!page) return;
    const select = page.querySelector(".zone-picker select[name=tz]");
    if (!select) return;
    const url = new URL(window.location.href);
    if (!url.searchParams.get("tz")) {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      const option = zone && zoneOption(select, zone);
      if (option && option.value !== select.value) {
        url.searchParams.set("tz", option.value);
        window.location.replace(url.toString());
        return;
      }
    }
    // Typing in the search box changes the select too: wait until the person stops.
    let timer;
    select.addEventListener("change", () => {
      clearTimeout(timer);
      timer = setTimeout(() => select.form.requestSubmit(), 800);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
