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

function enableShare() {
  if (!navigator.share) return;
  document.querySelectorAll("[data-share]").forEach((button) => { button.hidden = false; });
}

document.addEventListener("DOMContentLoaded", () => {
  showCustomDuration();
  detectTimezone();
  enableShare();
  localTimes();
  document.querySelectorAll("dialog[data-open-on-load]").forEach((dialog) => dialog.showModal());
});
