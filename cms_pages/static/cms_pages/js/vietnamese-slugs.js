/*
 * Slug fields of the admin fold Vietnamese while the editor types the title:
 * "Cảnh báo lốc xoáy, mưa đá chiều tối nay" → "canh-bao-loc-xoay-mua-da-chieu-toi-nay",
 * where Wagtail's own `urlify` would drop the marked letters ("cnh-bao-lc-xoay-ma-dja-…").
 *
 * Wagtail's `w-slug` controller (SlugInput) runs its `formatters` (regex, replacement) on the
 * value before `urlify`, when the title is copied into the slug and when it compares the two to
 * decide whether to keep them in sync; and before `slugify` when the slug field itself loses focus.
 * This script gives every `w-slug` field that has no formatters of its own the folding of
 * core/text.py `slugify_vi`, cut at a word under 80 characters like cms_pages/slugs.py
 * `folded_slug`: drop combining marks, fold each marked Latin letter to its base letter (the
 * letters whose canonical decomposition is an ASCII letter plus marks, as Python's NFD sees
 * them), 'đ' → 'd', anything else → '-'. The server makes the same slug whatever the browser
 * does (cms_pages/slugs.py); this only lets the editor see it before saving.
 */
(() => {
  'use strict';

  const LIMIT = 80;
  const ATTRIBUTE = 'data-w-slug-formatters-value';
  const SELECTOR = `input[data-controller~="w-slug"]:not([${ATTRIBUTE}])`;

  const buildFormatters = () => {
    const byLetter = new Map();
    // Latin-1 Supplement to the Letterlike Symbols (Kelvin, Ångström): every precomposed letter
    // whose decomposition is an ASCII letter plus combining marks lies in this range.
    for (let code = 0xc0; code <= 0x212b; code += 1) {
      const char = String.fromCharCode(code);
      const base = char.normalize('NFD').replace(/\p{Mn}/gu, '');
      if (base !== char && /^[A-Za-z]$/.test(base)) {
        if (!byLetter.has(base)) byLetter.set(base, []);
        byLetter.get(base).push(char);
      }
    }
    return [
      ['\\p{Mn}', ''],
      ...[...byLetter].map(([base, chars]) => [`[${chars.join('')}]`, base]),
      ['đ', 'd'],
      ['Đ', 'D'],
      ['[^A-Za-z0-9]+', '-'],
      ['^-+|-+$', ''],
      // Longer than the limit: cut at the last '-' within it, else at the limit.
      [`^(?=.{${LIMIT + 1}})(.{1,${LIMIT}})-.*$`, '$1'],
      [`^(.{${LIMIT}}).+$`, '$1'],
    ];
  };

  let formatters = null;

  const applyTo = (root) => {
    if (!root.querySelectorAll) return;
    const fields = [...root.querySelectorAll(SELECTOR)];
    if (root.matches && root.matches(SELECTOR)) fields.push(root);
    if (!fields.length) return;
    formatters = formatters || JSON.stringify(buildFormatters());
    fields.forEach((field) => field.setAttribute(ATTRIBUTE, formatters));
  };

  const start = () => {
    applyTo(document);
    // Forms loaded later (modals, panels added by the admin) get it too.
    new MutationObserver((mutations) => {
      mutations.forEach((mutation) => mutation.addedNodes.forEach(applyTo));
    }).observe(document.body, { childList: true, subtree: true });
  };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
