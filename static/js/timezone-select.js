// Time-zone selects (accounts.timezones.TimeZoneSelect) get a search box: typing
// keeps the zones whose place, old name or UTC offset matches, and picks the first
// of them. Without this script the select is a plain one.
(() => {
  const normalize = (text) => text.toLowerCase().replace(/[_\s]+/g, " ").trim();

  function enhance(select) {
    if ("timezoneSearchReady" in select.dataset) return;
    select.dataset.timezoneSearchReady = "";
    const all = [...select.options].map((option) => ({
      option,
      text: normalize(`${option.text} ${option.value} ${option.dataset.aliases || ""}`),
    }));

    const search = document.createElement("input");
    search.type = "search";
    search.autocomplete = "off";
    search.placeholder = "Search: a city, a country's zone or an offset like +05:30";
    search.setAttribute("aria-label", "Search by place or UTC offset");
    if (select.id) search.setAttribute("aria-controls", select.id);
    const status = document.createElement("small");
    status.className = "help";
    status.setAttribute("aria-live", "polite");
    select.before(search);
    select.after(status);

    search.addEventListener("keydown", (event) => {
      // Enter chooses the zone shown; it does not send the whole form yet.
      if (event.key === "Enter") event.preventDefault();
    });
    search.addEventListener("input", () => {
      const words = normalize(search.value).split(" ").filter(Boolean);
      const matches = all.filter(({ text }) => words.every((word) => text.includes(word)));
      const current = select.value;
      select.replaceChildren(...(matches.length ? matches : all).map(({ option }) => option));
      if (matches.length && !matches.some(({ option }) => option.value === current)) {
        select.value = matches[0].option.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      } else {
        select.value = current;
      }
      if (!words.length) status.textContent = "";
      else if (!matches.length) status.textContent = "No time zone matches; all are listed.";
      else status.textContent = matches.length === 1 ? "1 time zone matches." : `${matches.length} time zones match.`;
    });
  }

  // Some browsers name their zone by an old name (Asia/Calcutta for Asia/Kolkata);
  // the option that lists it as an alias is the browser's zone.
  function detectByAlias(select) {
    if (!select.hasAttribute("data-detect-timezone")) return;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone || [...select.options].some((option) => option.value === zone)) return;
    const match = [...select.options].find(
      (option) => (option.dataset.aliases || "").split(" ").includes(zone),
    );
    if (match) select.value = match.value;
  }

  function start() {
    document.querySelectorAll("select[data-timezone-search]").forEach((select) => {
      detectByAlias(select);
      enhance(select);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
