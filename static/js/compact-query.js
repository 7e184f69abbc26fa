/*
 * compact-query.js: a GET filter form (form[data-compact-query]) sends only the fields that have a
 * value, so the address reads ?year=2014&type=workshop, not ?q=&year=2014&type=workshop&country=...
 * Without this script the browser sends every field and the page reads it the same way; the links
 * the server builds from that address (pages, sorts, filters in use) carry only the filters in use.
 */
(() => {
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-compact-query")) return;
    if (form.method.toLowerCase() !== "get") return;
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form, event.submitter)) {
      if (typeof value === "string" && value.trim() !== "") query.append(name, value);
    }
    event.preventDefault();
    const address = new URL(form.action, window.location.href);
    address.search = query.toString();
    window.location.assign(address.toString());
  });
})();
