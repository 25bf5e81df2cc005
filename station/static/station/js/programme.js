// Chương trình phát thanh: reorder a slot by dragging (station/templates/station/programme.html).
// The order is the hidden "keys" inputs' order; dropping saves it at once (action "order").
// The ↑ ↓ and "Bỏ khỏi khung" buttons say which item they act on through the form's "key" input,
// set here from their data-station-key (no onclick attribute: the admin's Content-Security-Policy
// forbids them, core/security.py).
document.querySelectorAll("[data-station-order]").forEach((form) => {
  const list = form.querySelector(".station-items");
  form.querySelectorAll("button[data-station-key]").forEach((button) => {
    button.addEventListener("click", () => {
      form.elements.key.value = button.dataset.stationKey;
    });
  });
  let dragged = null;
  list.querySelectorAll("li[draggable=true]").forEach((item) => {
    item.addEventListener("dragstart", (event) => {
      dragged = item;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.key);
    });
    item.addEventListener("dragend", () => item.classList.remove("dragging"));
    item.addEventListener("dragover", (event) => {
      if (!dragged || dragged === item) return;
      event.preventDefault();
      const box = item.getBoundingClientRect();
      const after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? item.nextSibling : item);
    });
  });
  list.addEventListener("drop", (event) => {
    if (!dragged) return;
    event.preventDefault();
    dragged = null;
    form.querySelector("input[name=action]").value = "order";
    form.requestSubmit(form.querySelector(".station-save"));
  });
});
