// Review shortcuts (M, D, N) and loading the next pair without a page reload.
"use strict";
(function () {
  const box = document.querySelector("[data-review]");
  if (!box) return;
  const status = document.getElementById("estado");
  const toggle = document.getElementById("atajos");
  const STORE = "intertrata.atajos";
  let busy = false;

  // Single-key shortcuts can be switched off (WCAG 2.1.4); the choice is kept per browser.
  try {
    if (toggle && window.localStorage.getItem(STORE) === "no") toggle.checked = false;
  } catch (e) { /* storage blocked: shortcuts stay on */ }
  if (toggle) {
    toggle.addEventListener("change", function () {
      try { window.localStorage.setItem(STORE, toggle.checked ? "si" : "no"); } catch (e) { /* ignored */ }
    });
  }

  function announce(text) {
    // Cleared first, so the same decision twice in a row is announced again.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  async function submit(form, button) {
    if (busy) return;
    busy = true;
    const data = new FormData(form);
    data.set("decision", button.value);
    try {
      const res = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      if (!res.ok) { form.submit(); return; }
      box.innerHTML = await res.text();
      const part = box.querySelector(".pair-box");
      if (part) announce(part.dataset.status || "");
      const target = box.querySelector("#par-titulo") || box.querySelector("#sin-pares");
      if (target) target.focus();
    } finally {
      busy = false;
    }
  }

  box.addEventListener("click", function (ev) {
    const button = ev.target.closest("form.decide button");
    if (!button) return;
    ev.preventDefault();
    submit(button.form, button);
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (toggle && !toggle.checked) return;
    const tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    const key = ev.key.toLowerCase();
    const button = box.querySelector('form.decide button[data-key="' + key + '"]');
    if (!button) return;
    ev.preventDefault();
    submit(button.form, button);
  });
})();
