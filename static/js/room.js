"use strict";
// The video room, the waiting page, and the host's view of who is waiting.

function csrfToken() {
  const meta = document.querySelector("meta[name=csrf-token]");
  return meta ? meta.content : "";
}

async function post(url, data) {
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    keepalive: true,
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: new URLSearchParams(data),
  });
}

function embedRoom() {
  const container = document.getElementById("jitsi-container");
  const configNode = document.getElementById("room-config");
  if (!container || !configNode || !("embed" in container.dataset) || !window.JitsiMeetExternalAPI) return;
  const config = JSON.parse(configNode.textContent);
  container.classList.add("embedded");
  // The server decides the name, token and settings; the page only says where to draw.
  const api = new window.JitsiMeetExternalAPI(config.domain, {
    ...config.options,
    parentNode: container,
    width: "100%",
    height: "100%",
  });
  let reported = false;
  const left = () => {
    if (reported || !container.dataset.leftUrl) return;
    reported = true;
    post(container.dataset.leftUrl, {});
  };
  api.addListener("videoConferenceLeft", left);
  api.addListener("readyToClose", left);
}

// Closing the room page, or going elsewhere from it, ends this visitor's time in the
// room. sendBeacon outlives the page but cannot set headers: the CSRF token rides in
// the form body. Not on the waiting page, which moves on to the room by itself.
function reportLeaving() {
  const container = document.getElementById("jitsi-container");
  if (!container || !container.dataset.leftUrl) return;
  window.addEventListener("pagehide", () => {
    const body = new URLSearchParams({ csrfmiddlewaretoken: csrfToken() });
    navigator.sendBeacon(container.dataset.leftUrl, body);
  });
}

function waitForAdmission(section) {
  const url = section.dataset.waitingStatus;
  async function check() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.status === 403) { window.location.reload(); return; }  // the join expired
      if (response.ok && !response.redirected) {
        const data = await response.json();
        if (data.admitted) { window.location.assign(data.room_url); return; }
        if (data.closed) { window.location.reload(); return; }
      }
    } catch (error) {
      // Offline for a moment: keep waiting.
    }
    setTimeout(check, 2000);
  }
  setTimeout(check, 2000);
}

function waitingList(panel) {
  const url = panel.dataset.attendanceStatus;
  const admitUrl = panel.dataset.admitUrl;
  const list = panel.querySelector("[data-waiting-list]");
  const count = panel.querySelector("[data-waiting-count]");
  const all = panel.querySelector("[data-admit-all]");
  const problem = panel.querySelector("[data-admit-error]");

  async function admit(data) {
    const response = await post(admitUrl, data);
    problem.textContent = "";
    if (!response.ok) {
      try { problem.textContent = (await response.json()).error; } catch (error) { problem.textContent = "Could not admit: try again."; }
    }
    refresh();
  }

  function render(waiting) {
    count.textContent = String(waiting.length);
    panel.hidden = waiting.length === 0;
    list.replaceChildren(...waiting.map((person) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = `${person.name} (${person.way})`;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button small primary";
      button.textContent = "Admit";
      button.addEventListener("click", () => admit({ attendance: person.id }));
      item.append(name, button);
      return item;
    }));
  }

  async function refresh() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok && !response.redirected) render((await response.json()).waiting);
    } catch (error) {
      // Try again at the next tick.
    }
  }
  all.addEventListener("click", () => admit({ all: "1" }));
  refresh();
  setInterval(refresh, 3000);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-waiting-status]").forEach(waitForAdmission);
  document.querySelectorAll("[data-attendance-status]").forEach(waitingList);
  reportLeaving();
});
window.addEventListener("load", embedRoom);
