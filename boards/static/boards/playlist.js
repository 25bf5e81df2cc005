// "Sắp xếp danh sách phát" of a screen (boards/templates/boards/admin/playlist_edit.html).
// The order saved is the order of the rows' hidden "keys" inputs, so moving a row moves its
// inputs with it: drag and drop (HTML5), or the ↑ ↓ buttons (keyboard, phones). Pinned rows are
// kept together at the top, as the board plays them; a row left off the board is greyed out.
// No inline handlers: the admin's Content-Security-Policy forbids them (core/security.py).
document.querySelectorAll("form[data-playlist]").forEach((form) => {
  const list = form.querySelector(".playlist-items");
  const status = form.querySelector("[data-playlist-status]");
  if (!list) return;
  const rows = () => Array.from(list.querySelectorAll(":scope > li.playlist-item"));
  const title = (row) => row.querySelector(".playlist-title").textContent.trim();
  const isPinned = (row) => row.querySelector("input[data-pin]").checked;

  function announce(row) {
    const place = rows().indexOf(row) + 1;
    if (status) status.textContent = `“${title(row)}” ở vị trí ${place}.`;
  }

  // A pinned row stays among the pinned ones (moved to their end if it left them), an unpinned
  // one below them (moved to just after them).
  function keepPinnedFirst(row) {
    const all = rows();
    const at = all.indexOf(row);
    const pinned = all.filter((r) => r !== row && isPinned(r));
    const last = pinned[pinned.length - 1];
    if (isPinned(row)) {
      if (all.slice(0, at).every(isPinned)) return;
      list.insertBefore(row, last ? last.nextSibling : list.firstChild);
    } else if (all.slice(at + 1).some(isPinned)) {
      list.insertBefore(row, last.nextSibling);
    }
  }

  function allowedNeighbour(row, other) {
    return other && isPinned(other) === isPinned(row);
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-move]");
    if (!button) return;
    const row = button.closest("li.playlist-item");
    if (button.dataset.move === "up") {
      const before = row.previousElementSibling;
      if (allowedNeighbour(row, before)) list.insertBefore(row, before);
    } else {
      const after = row.nextElementSibling;
      if (allowedNeighbour(row, after)) list.insertBefore(after, row);
    }
    button.focus();
    announce(row);
  });

  list.addEventListener("change", (event) => {
    const row = event.target.closest("li.playlist-item");
    if (!row) return;
    if (event.target.matches("input[data-pin]")) {
      if (event.target.checked) row.querySelector("input[data-exclude]").checked = false;
      row.classList.toggle("is-pinned", event.target.checked);
      keepPinnedFirst(row);
      announce(row);
    }
    if (event.target.matches("input[data-exclude]")) {
      if (event.target.checked) {
        const pin = row.querySelector("input[data-pin]");
        if (pin.checked) {
          pin.checked = false;
          row.classList.remove("is-pinned");
          keepPinnedFirst(row);
        }
      }
      row.classList.toggle("is-excluded", event.target.checked);
    }
  });

  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    const row = event.target.closest && event.target.closest("li.playlist-item");
    if (!row) return;
    dragged = row;
    row.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.key);
  });
  list.addEventListener("dragover", (event) => {
    const row = event.target.closest && event.target.closest("li.playlist-item");
    if (!dragged || !row || row === dragged) return;
    event.preventDefault();
    const box = row.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? row.nextSibling : row);
  });
  list.addEventListener("drop", (event) => {
    if (!dragged) return;
    event.preventDefault();
  });
  list.addEventListener("dragend", () => {
    if (!dragged) return;
    const row = dragged;
    dragged = null;
    row.classList.remove("is-dragging");
    keepPinnedFirst(row);
    announce(row);
  });
});
