// The export page's "Select all" toggle (import-export binds it with an inline
// onchange handler, which our Content Security Policy refuses).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input.select-toggle").forEach((toggle) => {
    toggle.addEventListener("change", () => {
      document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]').forEach((checkbox) => {
        checkbox.checked = toggle.checked;
      });
    });
  });
});
