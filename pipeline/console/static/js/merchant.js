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

function shown(key, value) {
  if (value === null || value === undefined) return "—";
  if (key === "answered_in_time_share") return `${Math.round(Number(value) * 100)}%`;
  if (key === "median_response_seconds") return String(Math.round(Number(value)));
  return String(value);
}

export async function scorecard(_, view) {
  const id = encodeURIComponent(me().sub);
  const [card, standing] = await Promise.all([
    api("GET", `/v1/merchants/${id}/scorecard`), api("GET", `/v1/merchants/${id}/supervision`)]);
  const supervision = standing.supervised
    ? h("p", { class: "late", id: "supervision" }, t("supervised_until", { until: new Date(standing.supervision.until).toLocaleString() }))
    : h("p", { id: "supervision" }, t("not_supervised"));
  view.replaceChildren(h("h1", {}, t("nav_scorecard")), supervision,
    h("p", {}, t("points_in_window", { points: standing.penalty_points_in_window, threshold: standing.threshold })),
    h("p", { class: "muted" }, t("since", { when: new Date(card.since).toLocaleDateString() })),
    h("div", { class: "grid" }, FACTS.map((k) => h("div", { class: "fact" }, h("b", {}, shown(k, card[k])), t(`score.${k}`)))));
}
