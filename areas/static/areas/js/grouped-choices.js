/* Grouped, searchable choices in the admin (areas/widgets.py, template
 * areas/widgets/grouped_choices.html): a search box that folds like core.text.fold_key, so
 * "an truong" finds "Xã An Trường"; "Chọn tất cả …" / "Bỏ chọn" per district acting on the
 * options shown; counts of what is chosen; "Chỉ hiện mục đã chọn".
 *
 * Also makes the unit groups on Wagtail's own user create/edit form (#id_groups, some 230
 * checkboxes) searchable the same way. Loaded by the widget's Media and, for the user form,
 * by the hook insert_global_admin_js (areas/wagtail_hooks.py). No inline script anywhere. */
(() => {
  "use strict";

  // Loaded by the widget's Media and by the global admin hook: run once.
  if (window.tincosoGroupedChoices) {
    return;
  }

  const SEARCH_FROM = 13; // as areas.widgets.SEARCH_FROM

  // As core.text.fold_key: NFD, drop the combining marks, đ → d, lower case, single spaces.
  const fold = (text) =>
    text
      .normalize("NFD")
      .replace(/\p{Mn}/gu, "")
      .replace(/đ/g, "d")
      .replace(/Đ/g, "D")
      .toLowerCase()
      .replace(/\s+/g, " ")
      .trim();

  const boxOf = (option) => option.querySelector("input[type=checkbox], input[type=radio]");

  const setup = (root) => {
    if (root.dataset.groupedReady) {
      return;
    }
    root.dataset.groupedReady = "true";
    const search = root.querySelector("[data-grouped-search]");
    const onlyChosen = root.querySelector("[data-grouped-only-chosen]");
    const count = root.querySelector("[data-grouped-count] b");
    const empty = root.querySelector("[data-grouped-empty]");
    const groups = Array.from(root.querySelectorAll("[data-grouped-group]"));
    const options = Array.from(root.querySelectorAll("[data-grouped-option]"));
    options.forEach((option) => {
      if (!option.dataset.search) {
        option.dataset.search = fold(option.textContent);
      }
    });
    root.querySelectorAll("[data-grouped-tools], [data-grouped-all], [data-grouped-none]").forEach((element) => {
      element.hidden = false;
    });

    const isFiltering = () => Boolean((search && search.value.trim()) || (onlyChosen && onlyChosen.checked));

    const refreshCounts = () => {
      if (count) {
        count.textContent = String(options.filter((option) => boxOf(option).checked).length);
      }
      groups.forEach((group) => {
        const badge = group.querySelector("[data-grouped-group-count]");
        if (badge) {
          const own = Array.from(group.querySelectorAll("[data-grouped-option]"));
          badge.textContent = `${own.filter((option) => boxOf(option).checked).length}/${own.length}`;
        }
      });
    };

    const applyFilter = () => {
      const query = search ? fold(search.value) : "";
      const chosenOnly = Boolean(onlyChosen && onlyChosen.checked);
      const filtering = isFiltering();
      let shown = 0;
      groups.forEach((group) => {
        const heading = group.dataset.search || "";
        let shownHere = 0;
        group.querySelectorAll("[data-grouped-option]").forEach((option) => {
          // The heading counts too: "cang long" shows every commune of huyện Càng Long.
          const text = heading ? `${option.dataset.search} · ${heading}` : option.dataset.search;
          const visible = (!query || text.includes(query)) && (!chosenOnly || boxOf(option).checked);
          option.hidden = !visible;
          shownHere += visible ? 1 : 0;
        });
        group.hidden = shownHere === 0;
        shown += shownHere;
        const all = group.querySelector("[data-grouped-all]");
        if (all) {
          all.textContent = filtering ? all.dataset.labelShown : all.dataset.labelAll;
        }
      });
      if (empty) {
        empty.hidden = shown > 0;
      }
    };

    root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-grouped-all], [data-grouped-none]");
      if (!button || !root.contains(button)) {
        return;
      }
      event.preventDefault();
      const check = button.hasAttribute("data-grouped-all");
      button
        .closest("[data-grouped-group]")
        .querySelectorAll("[data-grouped-option]")
        .forEach((option) => {
          const box = boxOf(option);
          if (!option.hidden && !box.disabled && box.checked !== check) {
            box.checked = check;
            box.dispatchEvent(new Event("change", { bubbles: true }));
          }
        });
      refreshCounts();
    });
    root.addEventListener("change", (event) => {
      if (event.target === onlyChosen) {
        applyFilter();
      } else {
        refreshCounts();
      }
    });
    if (search) {
      search.addEventListener("input", applyFilter);
      search.addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault(); // the search box never submits the page's form
        } else if (event.key === "Escape" && search.value) {
          event.preventDefault();
          search.value = "";
          applyFilter();
        }
      });
    }
    refreshCounts();
    applyFilter();
  };

  // Wagtail's user form: one long list of checkboxes (div#id_groups > div > label > input).
  const enhanceUserGroups = () => {
    const list = document.querySelector("form #id_groups");
    if (!list || list.closest("[data-grouped-choices]")) {
      return;
    }
    const rows = Array.from(list.children).filter((row) => row.querySelector("input[type=checkbox][name=groups]"));
    if (rows.length < SEARCH_FROM) {
      return;
    }
    const root = document.createElement("div");
    root.className = "grouped-choices grouped-choices--user-groups";
    root.dataset.groupedChoices = "";
    const tools = document.createElement("div");
    tools.className = "grouped-choices__tools";
    tools.dataset.groupedTools = "";
    const search = document.createElement("input");
    search.type = "search";
    search.className = "grouped-choices__search";
    search.dataset.groupedSearch = "";
    search.autocomplete = "off";
    search.placeholder = "Tìm nhóm theo tên xã, huyện (gõ không dấu cũng được)";
    search.setAttribute("aria-label", search.placeholder);
    const onlyLabel = document.createElement("label");
    onlyLabel.className = "grouped-choices__only-chosen";
    const only = document.createElement("input");
    only.type = "checkbox";
    only.dataset.groupedOnlyChosen = "";
    onlyLabel.append(only, " Chỉ hiện nhóm đã chọn");
    const count = document.createElement("output");
    count.className = "grouped-choices__count";
    count.dataset.groupedCount = "";
    count.setAttribute("aria-live", "polite");
    count.append("Đã chọn ", document.createElement("b"), `/${rows.length}`);
    tools.append(search, onlyLabel, count);
    const empty = document.createElement("p");
    empty.className = "grouped-choices__empty";
    empty.dataset.groupedEmpty = "";
    empty.hidden = true;
    empty.textContent = "Không có nhóm nào khớp.";
    list.parentNode.insertBefore(root, list);
    const groups = document.createElement("div");
    groups.className = "grouped-choices__groups";
    list.classList.add("grouped-choices__list");
    list.dataset.groupedGroup = "";
    rows.forEach((row) => {
      row.dataset.groupedOption = "";
    });
    groups.append(list);
    root.append(tools, groups, empty);
    setup(root);
  };

  window.tincosoGroupedChoices = { fold, setup };

  const init = () => {
    document.querySelectorAll("[data-grouped-choices]").forEach(setup);
    enhanceUserGroups();
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
