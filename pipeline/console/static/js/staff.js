// Platform staff: the manual-review and arbitration queues, with claim and release.
import { api, me } from "./api.js";
import { t } from "./i18n.js";
import { complaintTable, flash, h, showError } from "./ui.js";

export async function queuePage(m, view) {
  const queue = m[1];
  const page = await api("GET", `/v1/queues/${queue}?limit=100`);
  const table = complaintTable(page.items, ["col_title", "col_status", "col_category", "col_merchant", "col_level", "col_left", "col_holder"]);
  // A claim or release button per row, in a last column.
  table.querySelector("thead tr").append(h("th", { scope: "col" }, t("col_claim")));
  [...table.querySelectorAll("tbody tr")].forEach((row, i) => {
    const it = page.items[i];
    if (!it) return;
    const verb = it.holder === me().sub ? "release" : "claim";
    row.append(h("td", {}, h("button", { type: "button", "data-id": it.id, onclick: async () => {
      try {
        await api("POST", `/v1/complaints/${it.id}/${verb}`);
        flash(t(`${verb}ed`));
        if (verb === "claim") location.hash = `#/c/${it.id}`; else await queuePage(m, view);
      } catch (err) { showError(err); }
    } }, t(verb))));
  });
  view.replaceChildren(h("h1", {}, t(`nav_${queue}`)), table);
}
