// Review shortcuts (M, D, N) and loading the next pair without a page reload.
"use strict";
(function () {
  const box = document.querySelector("[data-review]");
  if (!box) return;
  let busy = false;

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
      const title = box.querySelector("#par-titulo");
      if (title) title.focus();
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
    const tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    const key = ev.key.toLowerCase();
    const button = box.querySelector('form.decide button[data-key="' + key + '"]');
    if (!button) return;
    ev.preventDefault();
    submit(button.form, button);
  });
})();
