"use strict";
// Progressive enhancement: every page works without this file.

function announce(near, text) {
  const scope = near.closest("dialog, section, main") || document;
  const status = scope.querySelector(".copied") || document.querySelector(".copied");
  if (status) {
    status.textContent = text;
    setTimeout(() => { if (status.textContent === text) status.textContent = ""; }, 2500);
  }
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Fallback for plain-http development servers.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

document.addEventListener("click", async (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    try {
      await copyText(copy.dataset.copy);
      announce(copy, "Copied to the clipboard.");
    } catch (error) {
      announce(copy, "Could not copy: select the text and copy it by hand.");
    }
    const menu = copy.closest("details.menu");
    if (menu) menu.open = false;
    return;
  }
  const share = event.target.closest("[data-share]");
  if (share) {
    try {
      await navigator.share({ title: share.dataset.shareTitle, text: share.dataset.shareText, url: share.dataset.shareUrl });
    } catch (error) { /* the person closed the share sheet */ }
    return;
  }
  const opener = event.target.closest("[data-open-dialog]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.openDialog);
    if (dialog) dialog.showModal();
    return;
  }
  // Close open "⋯" menus when clicking elsewhere.
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.open = false;
  });
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

function showCustomDuration() {
  const preset = document.querySelector("select[name=duration_preset]");
  const custom = document.querySelector("[data-field=duration_custom]");
  if (!preset || !custom) return;
  const sync = () => { custom.hidden = preset.value !== "custom"; };
  preset.addEventListener("change", sync);
  sync();
}

function detectTimezone() {
  const select = document.querySelector("select[data-detect-timezone]");
  if (!select || select.dataset.touched) return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && [...select.options].some((option) => option.value === zone)) select.value = zone;
}

// A start shown in the meeting's zone is also spelled out in the visitor's own.
function localTimes() {
  for (const node of document.querySelectorAll("[data-local-time]")) {
    const when = new Date(node.dataset.localTime);
    if (Number.isNaN(when.getTime())) continue;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const text = when.toLocaleString(undefined, { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
    node.textContent = `${text} your time (${zone})`;
  }
}

// The dashboard's "starts in 2 h 30 min", kept current without reloading. The
// words are those of the server's countdown filter (meetings/templatetags/durations.py):
// change both together. Only instants are compared, so the visitor's zone plays no part.
function span(minutes) {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days) return `${days} day${days === 1 ? "" : "s"}` + (hours ? ` ${hours} h` : "");
  if (hours) return `${hours} h` + (rest ? ` ${rest} min` : "");
  return `${rest} min`;
}

function countdownText(node, now) {
  const wholeMinutes = (milliseconds) => Math.floor(milliseconds / 60000 + 0.5);
  if (node.dataset.status === "active") {
    const since = Date.parse(node.dataset.startedAt || node.dataset.startsAt);
    const minutes = wholeMinutes(now - since);
    return minutes > 0 ? `in progress for ${span(minutes)}` : "just started";
  }
  const minutes = wholeMinutes(Date.parse(node.dataset.startsAt) - now);
  return minutes > 0 ? `starts in ${span(minutes)}` : "starting now";
}

function countdowns() {
  const nodes = [...document.querySelectorAll("[data-countdown]")];
  if (!nodes.length) return;
  const tick = () => {
    const now = Date.now();
    for (const node of nodes) {
      const text = countdownText(node, now);
      if (node.textContent !== text) node.textContent = text;
    }
  };
  tick();
  setInterval(tick, 5000);
}

function enableShare() {
  if (!navigator.share) return;
  document.querySelectorAll("[data-share]").forEach((button) => { button.hidden = false; });
}

document.addEventListener("DOMContentLoaded", () => {
  showCustomDuration();
  detectTimezone();
  enableShare();
  localTimes();
  countdowns();
  document.querySelectorAll("dialog[data-open-on-load]").forEach((dialog) => dialog.showModal());
});
