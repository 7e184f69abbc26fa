/*
 * suggest.js: fills the <datalist> of a filter's text box (input[data-suggest], see
 * meetings/widgets.py SuggestingInput) with the records the API finds for the words typed, each
 * offered by its slug with its title and date. Without this script the box is a plain input.
 */
(() => {
  const DELAY_MS = 250;
  const SHOWN = 12;
  const dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || "en", {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });

  function described(record) {
    const date = record.start_date ? ` (${dateFormat.format(new Date(record.start_date))})` : "";
    return `${record.title}${date}`;
  }

  for (const input of document.querySelectorAll("input[data-suggest]")) {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list) continue;
    let timer = null;
    let asked = "";
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const words = input.value.trim();
      // A slug chosen from the list is not a new search.
      if (words.length < 2 || words === asked || [...list.options].some((o) => o.value === words)) return;
      timer = setTimeout(async () => {
        asked = words;
        const address = new URL(input.dataset.suggest, window.location.href);
        address.searchParams.set("q", words);
        address.searchParams.set("limit", String(SHOWN));
        try {
          const response = await fetch(address, { headers: { Accept: "application/json" } });
          if (!response.ok) return;
          const page = await response.json();
          list.replaceChildren(
            ...page.results.map((record) => {
              const option = document.createElement("option");
              option.value = record.slug;
              option.label = described(record);
              return option;
            }),
          );
        } catch {
          // No suggestions: the box still takes a slug typed in full.
        }
      }, DELAY_MS);
    });
  }
})();
