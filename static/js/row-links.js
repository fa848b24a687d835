// Overviews (manual §3.1, §4.1): "Door op een rij of de knop 'Beheren' te klikken" opens
// the detail. Every row also has a real link; this only makes the rest of the row clickable.
document.addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-href]");
  if (!row || event.target.closest("a, button, input, select, label, summary")) {
    return;
  }
  if (window.getSelection().toString()) {
    return; // the user is selecting text (a serial number), not opening the row
  }
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.button === 1) {
    window.open(row.dataset.href, "_blank", "noopener");
  } else {
    window.location.assign(row.dataset.href);
  }
});
