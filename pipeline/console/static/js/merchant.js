// Merchant pages: the inbox in deadline order with the time left, and the scorecard.
import { api, me } from "./api.js";
import { t } from "./i18n.js";
import { complaintTable, h } from "./ui.js";

export async function inbox(_, view) {
  const mine = encodeURIComponent(me().sub);
  const [waiting, all] = await Promise.all([
    api("GET", `/v1/complaints?merchant_id=${mine}&waiting_on=merchant&limit=100`),
    api("GET", `/v1/complaints?merchant_id=${mine}&limit=100`),
  ]);
  const cols = ["col_title", "col_status", "col_category", "col_buyer", "col_due", "col_left"];
  view.replaceChildren(
    h("h1", {}, t("nav_inbox")),
    h("h2", {}, t("waiting_on_you")), complaintTable(waiting.items, cols),
    h("h2", {}, t("all_complaints")), complaintTable(all.items, [...cols.slice(0, 4), "col_waiting_on", "col_left"]));
}

const FACTS = ["received", "answered", "answered_in_time_share", "median_response_seconds", "per_1000_orders",
  "buyer_wins", "partial", "merchant_wins", "sla_breaches", "penalty_points"];

export async function scorecard(_, view) {
  const card = await api("GET", `/v1/merchants/${encodeURIComponent(me().sub)}/scorecard`);
  view.replaceChildren(h("h1", {}, t("nav_scorecard")),
    h("p", { class: "muted" }, t("since", { when: new Date(card.since).toLocaleDateString() })),
    h("div", { class: "grid" }, FACTS.map((k) => h("div", { class: "fact" }, h("b", {}, card[k] === null ? "—" : String(card[k])), t(`score.${k}`)))));
}
