// Platform staff: merchants under supervision, why and since when, and lifting it early.
import { api, me } from "./api.js";
import { t } from "./i18n.js";
import { flash, h, showError, when } from "./ui.js";

function why(s) {
  const reasons = Object.entries(s.reasons).map(([r, n]) => `${t(`penalty.${r}`, {}, r)} × ${n}`).join(t("list_sep"));
  return [t("supervision_points", { points: s.points, threshold: s.threshold }), reasons ? `${t("colon")}${reasons}` : "",
    s.complaint_id ? h("span", {}, " · ", h("a", { href: `#/c/${s.complaint_id}` }, t("supervision_last_straw"))) : ""];
}

function liftForm(s, refresh) {
  const label = t("lift_for", { merchant: s.merchant_id });
  return h("form", { class: "lift", onsubmit: async (e) => {
    e.preventDefault();
    const note = new FormData(e.target).get("text");
    e.target.querySelector("button").disabled = true;
    try {
      await api("POST", `/v1/merchants/${encodeURIComponent(s.merchant_id)}/supervision/lift`, note ? { text: note } : {});
      await refresh();
      flash(t("lifted", { merchant: s.merchant_id }));
    } catch (err) { showError(err); e.target.querySelector("button").disabled = false; }
  } },
  h("label", {}, h("span", {}, t("f_lift_note")), h("input", { name: "text", minlength: "2", maxlength: "2000", "aria-label": `${t("f_lift_note")} ${s.merchant_id}` })),
  h("button", { type: "submit", "aria-label": label }, t("lift")));
}

export async function supervisionPage(_, view) {
  const mayLift = me().grants.includes("supervise");
  async function refresh() {
    const page = await api("GET", "/v1/merchants/supervised?limit=200");
    const cols = ["col_merchant", "col_since", "col_until", "col_why", "col_effects", ...(mayLift ? ["col_lift"] : [])];
    const rows = page.items.map((s) => h("tr", { "data-merchant": s.merchant_id },
      h("td", {}, s.merchant_id), h("td", {}, when(s.since)), h("td", {}, when(s.until)), h("td", {}, why(s)),
      h("td", {}, s.effects.map((x) => t(`effect.${x}`, {}, x)).join(t("list_sep"))),
      mayLift ? h("td", {}, liftForm(s, refresh)) : null));
    view.replaceChildren(h("h1", {}, t("nav_supervision")), h("p", { class: "muted" }, t("supervision_intro")),
      h("table", { id: "supervised" }, h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, t(c))))),
        h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: cols.length }, t("none"))))));
  }
  await refresh();
}
