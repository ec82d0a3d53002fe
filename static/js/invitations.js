"use strict";
// The invitation form's contact picker and the live delivery states on the meeting page.

function contactPicker(picker) {
  const input = picker.querySelector("input[type=search]");
  const results = picker.querySelector(".contact-results");
  const chips = picker.querySelector("[data-chips]");
  let timer = null;
  let lastQuery = null;

  // A contact without a name is shown by its address, as the server renders chips.
  function label(contact) {
    return contact.name || contact.email;
  }

  function chosen() {
    return new Set([...chips.querySelectorAll("input[name=contacts]")].map((el) => el.value));
  }

  function addChip(contact) {
    if (chosen().has(String(contact.id))) return;
    const chip = document.createElement("li");
    chip.className = "chip";
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "contacts";
    hidden.value = contact.id;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "icon";
    remove.dataset.removeChip = "";
    remove.setAttribute("aria-label", `Remove ${label(contact)}`);
    remove.textContent = "×";
    chip.append(hidden, `${label(contact)} <${contact.email}> `, remove);
    chips.appendChild(chip);
  }

  function show(list) {
    results.replaceChildren();
    for (const contact of list) {
      const item = document.createElement("li");
      item.setAttribute("role", "option");
      item.tabIndex = 0;
      item.dataset.id = contact.id;
      item.textContent = `${label(contact)} <${contact.email}>`;
      item.addEventListener("click", () => { addChip(contact); input.value = ""; results.hidden = true; input.focus(); });
      item.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); item.click(); } });
      results.appendChild(item);
    }
    if (!list.length) {
      const empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = "No matching contacts.";
      results.appendChild(empty);
    }
    results.hidden = false;
  }

  async function search() {
    const query = input.value.trim();
    if (query === lastQuery) return;
    lastQuery = query;
    if (!query) { results.hidden = true; return; }
    const url = `${picker.dataset.searchUrl}?q=${encodeURIComponent(query)}`;
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok || input.value.trim() !== query) return;
    show((await response.json()).results);
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();  // picking, not submitting
    if (event.key === "ArrowDown") { const first = results.querySelector("[role=option]"); if (first) first.focus(); }
  });
  chips.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-chip]");
    if (button) button.closest(".chip").remove();
  });
}

function liveInvitations(section) {
  const url = section.dataset.invitationsStatus;
  const busy = new Set(["queued", "sending"]);
  let delay = 2000;

  // Only the rows on this page: a meeting may invite thousands.
  const ids = [...section.querySelectorAll("tr[data-invitation-id]")].map((tr) => tr.dataset.invitationId);

  async function refresh() {
    let pending = false;
    try {
      const response = await fetch(`${url}?ids=${ids.join(",")}`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      // A redirect (to the log-in page, the session ended) or an error: try again later.
      if (!response.ok || response.redirected) return;
      const data = await response.json();
      for (const row of data.invitations) {
        const tr = section.querySelector(`tr[data-invitation-id="${row.id}"]`);
        if (!tr) continue;
        const delivery = tr.querySelector("[data-delivery]");
        delivery.textContent = row.delivery_label;
        delivery.className = `badge delivery-${row.delivery_state}`;
        const rsvp = tr.querySelector("[data-rsvp]");
        rsvp.textContent = row.rsvp_label;
        rsvp.className = `badge rsvp-${row.rsvp}`;
        const error = tr.querySelector("[data-error]");
        error.textContent = row.last_error;
        error.hidden = !row.last_error;
        if (busy.has(row.delivery_state)) pending = true;
      }
    } catch (error) {
      // Offline, or the server is restarting: the next poll will tell.
    } finally {
      // Quick while mail is on its way, slower afterwards (answers still come in).
      delay = pending ? 2000 : Math.min(delay * 2, 30000);
      setTimeout(refresh, delay);
    }
  }
  setTimeout(refresh, delay);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-contact-picker]").forEach(contactPicker);
  document.querySelectorAll("[data-invitations-status]").forEach(liveInvitations);
});
