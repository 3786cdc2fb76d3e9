/* Experiment tables: the ticked experiments, in the order they were ticked, go to "Compare"
   (the first one ticked is the comparison's baseline). Plain JS, no build step. */
"use strict";
(function () {
  function setup(form) {
    const order = [], ids = form.querySelector("input[name=ids]"), button = form.querySelector(".compare-btn");
    const sync = () => { ids.value = order.join(","); button.disabled = order.length < 2; };
    form.addEventListener("change", (ev) => {
      const box = ev.target;
      if (!box.classList || !box.classList.contains("pick-exp")) return;
      const at = order.indexOf(box.value);
      if (box.checked && at < 0) order.push(box.value);
      if (!box.checked && at >= 0) order.splice(at, 1);
      sync();
    });
    form.querySelectorAll(".pick-exp:checked").forEach((box) => order.push(box.value));  // restored by "back"
    sync();
  }
  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("form.compare-form").forEach(setup));
})();
